import { randomUUID, timingSafeEqual } from 'node:crypto';
import { DescribeUserPoolClientCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { CLIENT_TOKEN_TTL_SECONDS, RESOURCE_SERVER } from '../../domain/integrations/scopes';

/**
 * The user pool's token endpoint for the client-credentials grant, which
 * cognito-local lacks (LOCAL-STACK.md): it checks the app client and its
 * secret against cognito-local's own record of the client (DescribeUserPoolClient:
 * the client, its secret, its OAuth flows and scopes, as CreateUserPoolClient
 * stored them), and signs a token of Cognito's access-token shape with a key
 * the local stack makes at start (kept in memory: tokens die with the stack,
 * as they last an hour at most anyway). The local gateway trusts this key as
 * it trusts cognito-local's. POST /oauth2/token on the API forwards here as
 * it forwards to the pool's domain in AWS.
 */
export interface LocalTokenEndpoint {
  /** The issuer of its tokens. */
  issuer: string;
  /** Where POST /oauth2/token forwards (OAUTH_TOKEN_URL). */
  tokenUrl: string;
  /** Answers `/_local/oauth2/*`; undefined for other paths. */
  handle(method: string, path: string, body: string, headers: Record<string, string>): Promise<APIGatewayProxyStructuredResultV2 | undefined>;
  /** Verifies one of its tokens as API Gateway's authorizer would (signature, issuer, expiry); undefined if it is not one. */
  verify(token: string): Promise<JWTPayload | undefined>;
}

const error = (status: number, code: string, description: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(status === 401 ? { 'www-authenticate': 'Basic realm="trust-access"' } : {}) },
  body: JSON.stringify({ error: code, error_description: description }),
});

function sameSecret(given: string, stored: string | undefined): boolean {
  if (!stored) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function localTokenEndpoint(options: { baseUrl: string; userPoolId: string; cognito: CognitoIdentityProviderClient }): Promise<LocalTokenEndpoint> {
  const issuer = `${options.baseUrl}/_local/oauth2`;
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const jwks = createLocalJWKSet({ keys: [publicJwk] });

  async function token(body: string, headers: Record<string, string>): Promise<APIGatewayProxyStructuredResultV2> {
    const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return error(401, 'invalid_client', 'HTTP Basic client authentication is required');
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    const clientId = decodeURIComponent(decoded.slice(0, colon));
    const secret = decodeURIComponent(decoded.slice(colon + 1));
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type');
    if (!grantType) return error(400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') return error(400, 'unsupported_grant_type', 'Only client_credentials');
    const client = await options.cognito
      .send(new DescribeUserPoolClientCommand({ UserPoolId: options.userPoolId, ClientId: clientId }))
      .then((r) => r.UserPoolClient)
      .catch(() => undefined);
    if (!client || !sameSecret(secret, client.ClientSecret)) return error(401, 'invalid_client', 'Unknown client or wrong secret');
    if (!client.AllowedOAuthFlowsUserPoolClient || !client.AllowedOAuthFlows?.includes('client_credentials')) {
      return error(400, 'unauthorized_client', 'This client may not use the client-credentials grant');
    }
    const allowed = client.AllowedOAuthScopes ?? [];
    const requested = form.get('scope')?.split(' ').filter(Boolean);
    if (requested && requested.some((s) => !allowed.includes(s))) return error(400, 'invalid_scope', 'A requested scope is not allowed for this client');
    const scopes = (requested ?? allowed).filter((s) => s.startsWith(`${RESOURCE_SERVER}/`));
    if (scopes.length === 0) return error(400, 'invalid_scope', 'No scope');
    const validity = Math.min(CLIENT_TOKEN_TTL_SECONDS, (client.AccessTokenValidity ?? 60) * (client.TokenValidityUnits?.AccessToken === 'hours' ? 3600 : client.TokenValidityUnits?.AccessToken === 'seconds' ? 1 : 60));
    const now = Math.floor(Date.now() / 1000);
    // Cognito's access token of the client-credentials grant: sub and client_id are the app client, no username.
    const accessToken = await new SignJWT({ client_id: clientId, scope: scopes.join(' '), token_use: 'access', auth_time: now, version: 2 })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(clientId)
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + validity)
      .setJti(randomUUID())
      .sign(privateKey);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: validity }),
    };
  }

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    async handle(method, path, body, headers) {
      if (method === 'POST' && path === '/_local/oauth2/token') return token(body, headers);
      if (method === 'GET' && path === '/_local/oauth2/.well-known/jwks.json') {
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys: [publicJwk] }) };
      }
      return undefined;
    },
    async verify(bearer) {
      try {
        const { payload } = await jwtVerify(bearer, jwks, { issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'iat', 'sub', 'client_id'] });
        if (payload.token_use !== 'access' || payload.username !== undefined || payload.sub !== payload.client_id) return undefined;
        return payload;
      } catch {
        return undefined;
      }
    },
  };
}
