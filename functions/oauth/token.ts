import { UnavailableError } from '../../domain/errors';
import { required } from '../config';
import { httpHandler } from '../http/handler';
import { logger } from '../http/logger';
import type { HttpResult } from '../http/responses';
import { checkTokenForm } from './token-form';

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** RFC 6749 §5.2: 401 with a Basic challenge for invalid_client, 400 for the rest. */
function oauthError(error: OAuthErrorCode, description: string): HttpResult {
  const status = error === 'invalid_client' ? 401 : 400;
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...NO_STORE, ...(status === 401 ? { 'www-authenticate': 'Basic realm="trust-access", error="invalid_client"' } : {}) },
    body: JSON.stringify({ error, error_description: description }),
  };
}

const KNOWN = new Set<string>(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

/**
 * POST /oauth2/token, the client-credentials grant (RFC 6749 §4.4) in front
 * of the user pool's token endpoint (OAUTH_TOKEN_URL: in AWS the pool's
 * domain, locally the local stack's own). It checks the request's form here,
 * so a person's bearer token or a malformed request never reaches the pool,
 * and answers the pool's errors as RFC 6749 §5.2 says (Cognito answers
 * invalid_client with 400; here it is 401 with WWW-Authenticate). The
 * client secret is only passed through, never logged.
 */
export const handler = httpHandler({ auth: 'public' }, async ({ headers, body }) => {
  const authorization = headers.authorization ?? '';
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  if (!basic || !decoded.includes(':')) return oauthError('invalid_client', 'Authenticate the client with HTTP Basic (client id and secret)');
  const form = checkTokenForm((body ?? {}) as Record<string, unknown>);
  if ('error' in form) return oauthError(form.error, form.description);
  const { grantType, scope } = form;

  let response: Response;
  try {
    response = await fetch(required('OAUTH_TOKEN_URL'), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: grantType, ...(scope ? { scope } : {}) }).toString(),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    logger.error('token endpoint unreachable', error as Error);
    throw new UnavailableError('token_endpoint_unavailable', 'The token service did not answer; try again');
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok && typeof answer.access_token === 'string') {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', ...NO_STORE },
      body: JSON.stringify({ access_token: answer.access_token, token_type: 'Bearer', expires_in: Number(answer.expires_in ?? 3600) }),
    };
  }
  const error = typeof answer.error === 'string' && KNOWN.has(answer.error) ? (answer.error as OAuthErrorCode) : undefined;
  if (!error) {
    logger.error('token endpoint answered unexpectedly', { status: response.status });
    throw new UnavailableError('token_endpoint_unavailable', 'The token service did not answer; try again');
  }
  return oauthError(error, typeof answer.error_description === 'string' ? answer.error_description : error);
});
