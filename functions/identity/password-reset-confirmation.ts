import { assertStrongPassword } from '../../domain/identity/password-policy';
import { passwordChangedEmail } from '../../domain/identity/emails';
import { revokeSessionsAt } from '../../domain/identity/lifecycle';
import { commonPasswords } from '../adapters/common-passwords';
import { claimLinkToken, releaseLinkToken } from '../adapters/dynamo/token-repository';
import { getTrust } from '../adapters/dynamo/trust-repository';
import { setPermanentPassword } from '../adapters/cognito/user-pool';
import { signOutEverywhere } from '../adapters/cognito/user-status';
import { sendEmail } from '../adapters/ses/mailer';
import { logger } from '../http/logger';
import { nowIso } from '../shared/ids';
import { linkAudit as audit, usableLink } from './links';

/**
 * Sets a new password from a reset link and signs out every session. It never
 * reactivates an inactive account (the claim requires `active` or `locked` as
 * the account is at the claim), never unlocks a locked one (the claim sets no
 * status: the lock stays until an unlock or the auto-unlock; review F, F-1)
 * and never bypasses 2FA (sign-in still asks for the code).
 */
export async function confirmPasswordReset(rawToken: string, password: string): Promise<void> {
  const { token, account } = await usableLink(rawToken, 'password_reset');
  assertStrongPassword(password, await commonPasswords(), { email: account.email });
  const now = nowIso();
  const signOut = revokeSessionsAt(new Date());
  await claimLinkToken(account, token, { set: { sessionsValidAfter: signOut } }, audit(account, account.id, 'password.reset_completed'), now);
  try {
    await setPermanentPassword(account.cognitoUsername, password);
  } catch (error) {
    await releaseLinkToken(account, token, { set: {} }).catch((e: unknown) => logger.error('could not release reset link', e as Error));
    throw error;
  }
  // The table cut-off already refuses old tokens; Cognito's own sign-out revokes its refresh tokens too.
  await signOutEverywhere(account.cognitoUsername).catch((e: unknown) => logger.error('global sign-out failed', e as Error));
  const trust = await getTrust(account.trustId);
  await sendEmail(account.email, passwordChangedEmail({ trustName: trust?.name ?? 'your trust', firstName: account.firstName, at: now })).catch((e: unknown) =>
    logger.error('password-changed email not sent', e as Error),
  );
}

