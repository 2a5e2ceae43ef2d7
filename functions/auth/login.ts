import { decodeJwt } from 'jose';
import { loginGate } from '../../domain/identity/login';
import { hashToken } from '../../domain/identity/token-hash';
import { findAccountByEmail, saveRefreshToken } from '../adapters/dynamo/account-repository';
import { decoyPasswordAuth, passwordAuth } from '../adapters/cognito/user-pool';
import { config } from '../config';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { loginBodySchema } from './auth.schema';

export const handler = httpHandler({ auth: 'public', body: loginBodySchema }, async ({ body }) => {
  const account = await findAccountByEmail(body.email);
  const gate = loginGate(account);
  if (gate instanceof Error) throw gate;
  if (gate === 'decoy' || !account) return decoyPasswordAuth(body.password);
  const outcome = await passwordAuth(body.email, body.password);
  if (outcome.kind === 'challenge') return json(200, { challenge: outcome.challenge, session: outcome.session });
  const { tokens } = outcome;
  if (tokens.refreshToken) {
    const authTime = Number(decodeJwt(tokens.accessToken).auth_time ?? Math.floor(Date.now() / 1000));
    const expiresAt = Math.floor(Date.now() / 1000) + config().REFRESH_TOKEN_VALIDITY_DAYS * 86_400;
    await saveRefreshToken(
      hashToken(tokens.refreshToken),
      { trustId: account.trustId, userId: account.id, cognitoUsername: account.cognitoUsername, authTime },
      expiresAt,
    );
  }
  return json(200, tokens);
});
