import { invalidMfaSession } from '../../domain/identity/login';
import { hashToken } from '../../domain/identity/token-hash';
import { answerTotpChallenge } from '../adapters/cognito/totp';
import { consumeMfaSession, findMfaSession } from '../adapters/dynamo/sign-in-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { mfaBodySchema } from './mfa.schema';
import { admit, completeSignIn, countRefusal, isDecoy, markTotpSignIn } from './sign-in';

/**
 * The TOTP step of a sign-in. A locked account is 423 before Cognito; the
 * session must be one this service handed to this account at its password
 * step (single use); a wrong code is 401 `invalid_mfa_code` and counts
 * toward the lock like a wrong password.
 */
export const handler = httpHandler({ auth: 'public', body: mfaBodySchema }, async ({ body, event }) => {
  const admitted = await admit(body.email);
  const record = isDecoy(admitted) ? undefined : admitted;
  const sessionHash = hashToken(body.session);
  // Looked up whatever the email, so an unknown one takes as long as a known one.
  const pending = await findMfaSession(sessionHash);
  if (!record || pending?.userId !== record.account.id || pending.trustId !== record.account.trustId) throw invalidMfaSession();
  const tokens = await answerTotpChallenge(record.account.cognitoUsername, body.session, body.code, event.requestContext.http.sourceIp).catch(
    countRefusal(record, 'mfa_code', 'invalid_mfa_code'),
  );
  if (!(await consumeMfaSession(sessionHash))) throw invalidMfaSession();
  const signedIn = await completeSignIn(record, tokens);
  await markTotpSignIn(record, signedIn);
  return json(200, signedIn);
});
