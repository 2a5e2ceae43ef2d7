import { auditNodeOf, planMfaDisabled } from '../../domain/identity/lifecycle';
import { assertMayTurnOffTotp } from '../../domain/identity/mfa-policy';
import { assertMayChangeTotp } from '../../domain/identity/totp';
import { checkTotpCode, stopRequiringTotp } from '../adapters/cognito/totp';
import { recordFailure } from '../auth/sign-in';
import { totpVerifyBodySchema } from '../auth/mfa.schema';
import { bearerToken } from '../http/bearer';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { changeAccount } from '../shared/account-change';

/**
 * The person turns their own TOTP off: only in a session that passed it, with
 * a current code (a wrong one counts toward the lockout, like a wrong code at
 * sign-in, so a stolen session cannot guess its way to password-only), and
 * never while their roles or the trust require 2FA (409). The table goes
 * first: from that write on no session counts as 2FA, so a failure at Cognito
 * afterwards can only leave the person asked for a code they still have.
 */
export const handler = userHandler({ body: totpVerifyBodySchema }, async ({ caller, headers, body }) => {
  const { account, person, trust, context } = caller;
  assertMayChangeTotp(account, caller.mfa);
  if (!account.mfaEnabled) return noContent();
  assertMayTurnOffTotp({ assignments: person.assignments, roles: context.roles, policies: trust.policies, now: new Date() });
  const accessToken = bearerToken(headers);
  await checkTotpCode(accessToken, body.code).catch(async (error: unknown) => {
    if ((error as { code?: string }).code === 'invalid_mfa_code') await recordFailure({ account, person, trust, membershipsSince: new Map() }, 'mfa_code');
    throw error;
  });
  await changeAccount({
    account, actorId: account.id, nodeId: auditNodeOf(person),
    plan: (current) => planMfaDisabled(current, { by: 'self', now: new Date() }),
  });
  await stopRequiringTotp(accessToken);
  return noContent();
});
