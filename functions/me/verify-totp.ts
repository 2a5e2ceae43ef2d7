import { auditNodeOf, planMfaEnabled } from '../../domain/identity/lifecycle';
import { assertMayChangeTotp } from '../../domain/identity/totp';
import { verifyAndRequireTotp } from '../adapters/cognito/totp';
import { totpVerifyBodySchema } from '../auth/mfa.schema';
import { bearerToken } from '../http/bearer';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { changeAccount } from '../shared/account-change';

/**
 * Finishes TOTP set-up: Cognito checks the code and requires TOTP at every
 * sign-in from now on; the profile records when, so only later sign-ins
 * count as sessions that passed 2FA.
 */
export const handler = userHandler({ body: totpVerifyBodySchema }, async ({ caller, headers, body }) => {
  assertMayChangeTotp(caller.account, caller.mfa);
  await verifyAndRequireTotp(bearerToken(headers), body.code);
  await changeAccount({
    account: caller.account, actorId: caller.account.id, nodeId: auditNodeOf(caller.person),
    plan: (account) => planMfaEnabled(account, new Date()),
  });
  return noContent();
});
