import { invalidMfaSession } from '../../domain/identity/login';
import { hashToken } from '../../domain/identity/token-hash';
import { answerTotpChallenge } from '../adapters/cognito/totp';
import { consumeMfaSession, findMfaSession } from '../adapters/dynamo/sign-in-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { mfaBodySchema } from './mfa.schema';
import { releaseSignInAttempt } from '../adapters/dynamo/account-writes';
import { completeSignIn, countRefusal, gate, isDecoy, markTotpSignIn, reserveAttempt } from './sign-in';

/**
 * The TOTP step of a sign-in. A locked account is 423 before Cognito; the
 * session must be one this service handed to this account at its password
 * step (single use), checked before the attempt reserves its lockout place;
 * a wrong code is 401 `invalid_mfa_code` and counts toward the lock like a
 * wrong password.
 */
export const handler = httpHandler({ auth: 'public', body: mfaBodySchema }, async ({ body, event }) => {
  const admitted = await gate(body.email);
  const record = isDecoy(admitted) ? undefined : admitted;
  const sessionHash = hashToken(body.session);
  // Looked up whatever the email, so an unknown one takes as long as a known one.
  const pending = await findMfaSession(sessionHash);
  // The session is checked before a lockout place is reserved: a made-up session is refused without taking
  // one, so junk requests knowing only an email cannot hold the account's places and lock its owner out (review D, D2).
  if (!record || pending?.userId !== record.account.id || pending.trustId !== record.account.trustId) throw invalidMfaSession();
  await reserveAttempt(record);
  const tokens = await answerTotpChallenge(record.account.cognitoUsername, body.session, body.code, event.requestContext.http.sourceIp).catch(
    countRefusal(record, 'mfa_code', 'invalid_mfa_code'),
  );
  if (!(await consumeMfaSession(sessionHash))) {
    // Another request used this step first: neither a failure nor a sign-in, so the place goes back.
    await releaseSignInAttempt(record.account).catch(() => undefined);
    throw invalidMfaSession();
  }
  const signedIn = await completeSignIn(record, tokens);
  await markTotpSignIn(record, signedIn);
  return json(200, signedIn);
});
