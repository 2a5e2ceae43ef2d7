import { auditRecord } from '../../domain/audit/audit-record';
import { displayName, type Account } from '../../domain/identity/account';
import { invitationEmail, passwordChangedEmail, passwordResetEmail } from '../../domain/identity/emails';
import { assertStrongPassword } from '../../domain/identity/password-policy';
import { commonPasswords } from '../adapters/common-passwords';
import { hashToken } from '../../domain/identity/token-hash';
import { assertUsable, newLinkToken, sentToHash, type StoredToken, type TokenPurpose } from '../../domain/identity/tokens';
import { ConflictError } from '../../domain/errors';
import { getAccount } from '../adapters/dynamo/account-repository';
import { AccountChangedError } from '../adapters/dynamo/account-writes';
import { claimLinkToken, getLinkToken, issueLinkToken, releaseLinkToken } from '../adapters/dynamo/token-repository';
import { getTrust } from '../adapters/dynamo/trust-repository';
import { setPermanentPassword } from '../adapters/cognito/user-pool';
import { signOutEverywhere } from '../adapters/cognito/user-status';
import { revokeSessionsAt } from '../../domain/identity/lifecycle';
import { sendEmail } from '../adapters/ses/mailer';
import { config } from '../config';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';
import { retryOnConflict } from '../shared/retry';

const audit = (account: Account, actorId: string, action: string, after?: unknown) =>
  auditRecord({ id: newId(), at: nowIso(), actorId, action, targetType: 'user', targetId: account.id, nodeId: null, after });

/** A new link of `purpose` for the account: the token to store and the URL to email (only the hash is ever stored). */
export function newLink(account: Account, purpose: TokenPurpose, validForMs = config().INVITATION_TTL_DAYS * 86_400_000): { token: StoredToken; link: string; validUntil: string } {
  const { token, hash } = newLinkToken();
  const validUntil = new Date(Date.now() + validForMs).toISOString();
  const stored: StoredToken = { hash, purpose, trustId: account.trustId, userId: account.id, validUntil, sentTo: sentToHash(account.email) };
  const page = purpose === 'invitation' ? 'invite' : 'reset-password';
  return { token: stored, link: `${config().APP_URL.replace(/\/$/, '')}/${page}?token=${token}`, validUntil };
}

/**
 * Stores a new link. With `reload` (an admin acting on someone else: the
 * reload re-runs reach and the identity guard) the link lands only on the
 * profile version that was judged; when the person changed meanwhile (a role
 * granted, an email changed) they are read and judged again and the link is
 * made for the account as it is now.
 */
async function issue(account: Account, purpose: TokenPurpose, validForMs: number, actorId: string, action: string, reload?: () => Promise<Account>) {
  let current = account;
  return retryOnConflict(
    async (n) => {
      if (n > 1) assertIssuable(current, purpose);
      const { token, link, validUntil } = newLink(current, purpose, validForMs);
      await issueLinkToken(current, token, audit(current, actorId, action, { validUntil }), { sameVersion: reload !== undefined });
      return { link, validUntil, account: current };
    },
    async (error) => {
      if (!(error instanceof AccountChangedError) || !reload) throw error;
      current = await reload();
    },
    'This account is being changed by someone else; try again',
  );
}

function assertIssuable(account: Account, purpose: TokenPurpose): void {
  if (purpose === 'invitation' && account.status !== 'invited') throw new ConflictError('not_invited', 'The account is no longer invited');
  if (purpose === 'password_reset' && account.status !== 'active') throw new ConflictError('not_active', 'Only active accounts can reset their password');
}

/**
 * Emails an invitation link (7 days by default; older links stop working).
 * The link is stored before the email goes: if SES fails the account stays
 * `invited` and the admin can send again, so nothing is lost.
 */
export async function sendInvitation(account: Account, inviter: { id: string; name: string }, reload?: () => Promise<Account>): Promise<{ sent: boolean }> {
  const issued = await issue(account, 'invitation', config().INVITATION_TTL_DAYS * 86_400_000, inviter.id, 'user.invited', reload);
  return emailInvitation(issued.account, inviter, issued.link, issued.validUntil);
}

/** The invitation email for a link already stored; a failure is logged and answered `sent: false`. */
export async function emailInvitation(account: Account, inviter: { id: string; name: string }, link: string, validUntil: string): Promise<{ sent: boolean }> {
  const trust = await getTrust(account.trustId);
  const email = invitationEmail({ trustName: trust?.name ?? 'your trust', inviterName: inviter.name, firstName: account.firstName, link, expiresAt: validUntil });
  try {
    await sendEmail(account.email, email);
    return { sent: true };
  } catch (error) {
    logger.error('invitation email not sent', error as Error);
    return { sent: false };
  }
}

/** How long a person's own reset link is left alone by further public requests (POST /auth/password-reset). */
export const RESET_COOLDOWN_MINUTES = 10;

/**
 * Whether the account's reset link is live (not used, not expired) and was
 * sent less than RESET_COOLDOWN_MINUTES ago. A public request then sends
 * nothing: anyone may ask for a reset of any address, and each new link voids
 * the last, so without this a stranger could keep killing a person's real
 * link and fill their inbox (security review A, L4). Admin resets are not
 * held back. Two requests at the same moment may both send: bounded, and the
 * later link is the one that works.
 */
export async function hasRecentResetLink(account: Account, now = Date.now()): Promise<boolean> {
  if (!account.resetTokenHash) return false;
  const stored = await getLinkToken(account.resetTokenHash);
  if (!stored || stored.usedAt || Date.parse(stored.validUntil) <= now) return false;
  const sentAt = Date.parse(stored.validUntil) - config().RESET_TTL_MINUTES * 60_000;
  return now - sentAt < RESET_COOLDOWN_MINUTES * 60_000;
}

/** Emails a one-hour password-reset link, only to an active account. */
export async function sendPasswordReset(account: Account, actorId: string, reload?: () => Promise<Account>): Promise<void> {
  assertIssuable(account, 'password_reset');
  const trust = await getTrust(account.trustId);
  const issued = await issue(account, 'password_reset', config().RESET_TTL_MINUTES * 60_000, actorId, 'password.reset_requested', reload);
  await sendEmail(issued.account.email, passwordResetEmail({ trustName: trust?.name ?? 'your trust', firstName: issued.account.firstName, link: issued.link, expiresAt: issued.validUntil }));
}

async function usableLink(rawToken: string, purpose: TokenPurpose): Promise<{ token: StoredToken; account: Account }> {
  const stored = await getLinkToken(hashToken(rawToken));
  const account = stored && (await getAccount({ trustId: stored.trustId, userId: stored.userId }));
  const current = purpose === 'invitation' ? account?.invitationTokenHash : account?.resetTokenHash;
  const token = assertUsable(account ? stored : undefined, purpose, current, new Date(), account?.email);
  return { token, account: account! };
}

/**
 * Sets the first password and turns the account active. The link is claimed
 * first (exactly one of two concurrent accepts wins), then the password is set
 * in Cognito; if that fails the claim is undone so the link works again.
 */
export async function acceptInvitation(rawToken: string, password: string): Promise<{ email: string }> {
  const { token, account } = await usableLink(rawToken, 'invitation');
  assertStrongPassword(password, await commonPasswords(), { email: account.email });
  const now = nowIso();
  const change = { set: { status: 'active', acceptedAt: now, failedLogins: 0 } };
  await claimLinkToken(account, token, change, audit(account, account.id, 'invitation.accepted'), now);
  try {
    await setPermanentPassword(account.cognitoUsername, password);
  } catch (error) {
    await releaseLinkToken(account, token, { set: { status: 'invited' } }).catch((e: unknown) => logger.error('could not release invitation', e as Error));
    throw error;
  }
  return { email: account.email };
}

/**
 * Sets a new password from a reset link and signs out every session. It never
 * reactivates an inactive account (the claim requires `active`) and never
 * bypasses 2FA (sign-in still asks for the code).
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

export const inviterOf = (account: Account) => ({ id: account.id, name: displayName(account) });
