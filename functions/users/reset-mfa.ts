import { ForbiddenError } from '../../domain/errors';
import { displayName } from '../../domain/identity/account';
import { mfaResetEmail } from '../../domain/identity/emails';
import { auditNodeOf, planMfaDisabled } from '../../domain/identity/lifecycle';
import { adminStopRequiringTotp } from '../adapters/cognito/totp';
import { signOutEverywhere } from '../adapters/cognito/user-status';
import { setCognitoTotpOffPending } from '../adapters/dynamo/account-writes';
import { sendEmail } from '../adapters/ses/mailer';
import { userHandler } from '../http/user-handler';
import { logger } from '../http/logger';
import { noContent } from '../http/responses';
import { changeAccount } from '../shared/account-change';
import { nowIso } from '../shared/ids';
import { accountSecurityEvent, outboxItems } from '../shared/account-security';
import { loadAccountTarget } from './account-target';
import { userParamsSchema } from './params.schema';

const mfaRequired = () => new ForbiddenError('Resetting two-factor sign-in needs a session that passed it', 'mfa_required');

/**
 * A lost authenticator: turns the person's TOTP off and signs every session
 * out (whoever holds the phone and a session is cut off), then emails them.
 * Needs users.reset_mfa at a node of theirs (404 outside reach), a 2FA
 * session, and the identity guard (403 `outranked`): turning off someone's
 * second factor is half of taking their account over. Not for oneself: that
 * is DELETE /me/mfa/totp, which keeps the rule that roles needing 2FA keep it.
 * The table goes first (from then on no session counts as 2FA), then Cognito;
 * a failure there is a 5xx the admin repeats (every step is idempotent).
 */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  // Reach of users.reset_mfa (404 outside it), then the identity guard.
  const { account, person } = await loadAccountTarget(caller, params.id, 'users.reset_mfa');
  if (account.id === caller.account.id) throw new ForbiddenError('Turn your own two-factor sign-in off at DELETE /me/mfa/totp');
  if (!caller.mfa) throw mfaRequired();
  const before = account.mfaEnabled;
  const reset = await changeAccount({
    reload: async () => (await loadAccountTarget(caller, params.id, 'users.reset_mfa')).account,
    account, actorId: caller.account.id, nodeId: auditNodeOf(person),
    plan: (current) => planMfaDisabled(current, { by: 'admin', now: new Date() }),
    // Its admins hear of it from the reset's own transaction (the outbox).
    extraItems: outboxItems(caller.trust.id, [accountSecurityEvent(account, auditNodeOf(person), `two-factor sign-in was reset by ${displayName(caller.account)}`)]),
  });
  if ((await adminStopRequiringTotp(reset.cognitoUsername)) === 'deferred') await setCognitoTotpOffPending(reset, true);
  await signOutEverywhere(reset.cognitoUsername);
  if (before) {
    const email = mfaResetEmail({ trustName: caller.trust.name, firstName: reset.firstName, adminName: displayName(caller.account), at: nowIso() });
    // The reset stands without the email: it is what protects the account.
    await sendEmail(reset.email, email).catch((error: unknown) => logger.error('mfa-reset email not sent', error as Error));
  }
  return noContent();
});
