import { finishDeferredTotpOff } from '../adapters/cognito/totp';
import { passwordAuth } from '../adapters/cognito/user-pool';
import { setCognitoTotpOffPending } from '../adapters/dynamo/account-writes';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { loginBodySchema } from './auth.schema';
import { admit, completeSignIn, countRefusal, decoySignIn, isDecoy, startTotpStep } from './sign-in';

/**
 * Password sign-in. The lockout gate runs before Cognito (a locked account is
 * 423 without a password check, and so is an email without an account that
 * failed as often: see decoySignIn); a wrong password counts toward the lock;
 * with TOTP on, the answer is the `MFA_TOTP` challenge for POST /auth/mfa.
 */
export const handler = httpHandler({ auth: 'public', body: loginBodySchema }, async ({ body, event }) => {
  const { sourceIp } = event.requestContext.http;
  const record = await admit(body.email);
  if (isDecoy(record)) return decoySignIn(record, body.password, sourceIp);
  // Cognito is asked by the stored username, not the typed email: the table decides whose account an
  // email is, so a Cognito email attribute left behind by an interrupted email change cannot lock anyone out.
  const outcome = await passwordAuth(record.account.cognitoUsername, body.password, sourceIp).catch(countRefusal(record, 'password', 'invalid_credentials'));
  if (outcome.kind === 'challenge') {
    // An admin reset the emulator could not finish in Cognito (see adminStopRequiringTotp); never set against AWS.
    // Claimed first, on the condition that TOTP is still off in the table, so only a reset account is ever lowered.
    const deferred = record.account.cognitoTotpOffPending === true && !record.account.mfaEnabled && (await setCognitoTotpOffPending(record.account, false));
    const tokens = deferred ? await finishDeferredTotpOff(record.account.cognitoUsername, body.password) : undefined;
    if (!tokens) return json(200, await startTotpStep(record, outcome));
    return json(200, await completeSignIn(record, tokens));
  }
  // No code was asked for: if the profile says TOTP is on, it is wrong, and follows Cognito before the tokens go out,
  // judged on the profile as the sign-in's own write found it, after Cognito answered (review D, D6).
  return json(200, await completeSignIn(record, outcome.tokens, 'password_only'));
});
