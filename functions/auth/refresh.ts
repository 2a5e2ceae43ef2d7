import { UnauthenticatedError } from '../../domain/errors';
import { sessionIsValid } from '../../domain/identity/account';
import { findRefreshToken, getAccount } from '../adapters/dynamo/account-repository';
import { refreshAuth } from '../adapters/cognito/user-pool';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { refreshBodySchema } from './auth.schema';
import { hashToken } from '../../domain/identity/token-hash';

/**
 * Refresh tokens are only honoured for the account that signed in, while it
 * is active and has not signed out since.
 */
export const handler = httpHandler({ auth: 'public', body: refreshBodySchema }, async ({ body, event }) => {
  const record = await findRefreshToken(hashToken(body.refreshToken));
  const account = record && (await getAccount(record));
  if (!record || !sessionIsValid(account, { authTime: record.authTime })) {
    throw new UnauthenticatedError('invalid_refresh_token', 'The refresh token is not valid; sign in again');
  }
  return json(200, await refreshAuth(body.refreshToken, record.cognitoUsername, event.requestContext.http.sourceIp));
});
