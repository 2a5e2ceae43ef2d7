import { assertMayStartTotpSetUp, assertRecentSignInForTotp, otpauthUri } from '../../domain/identity/totp';
import { associateTotp } from '../adapters/cognito/totp';
import { bearerToken } from '../http/bearer';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';

/** Starts TOTP set-up with the caller's own access token: the secret and the URI for the QR code. Only while TOTP is off (409 otherwise: see assertMayStartTotpSetUp), and in a session that signed in in the last 15 minutes (403 recent_sign_in_required). */
export const handler = userHandler({}, async ({ caller, headers }) => {
  assertMayStartTotpSetUp(caller.account);
  assertRecentSignInForTotp(caller.signedInAt, new Date());
  const secret = await associateTotp(bearerToken(headers));
  return json(200, { secret, otpauthUri: otpauthUri({ issuer: caller.trust.name, email: caller.account.email, secret }) });
});
