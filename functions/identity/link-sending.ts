import { displayName, type Account } from '../../domain/identity/account';
import { invitationEmail, passwordResetEmail } from '../../domain/identity/emails';
import { newLinkToken, sentToHash, type StoredToken, type TokenPurpose } from '../../domain/identity/tokens';
import { ConflictError } from '../../domain/errors';
import { AccountChangedError } from '../adapters/dynamo/account-writes';
import { getLinkToken, issueLinkToken } from '../adapters/dynamo/token-repository';
import { getTrust } from '../adapters/dynamo/trust-repository';
import { sendEmail } from '../adapters/ses/mailer';
import { apiUrl, config } from '../config';
import { logger } from '../http/logger';
import { retryOnConflict } from '../shared/retry';
import { linkAudit as audit } from './links';

/**
 * Sending the emailed links (an invitation, a password reset): the link is
 * stored, then emailed through SES. Following them is invitation-acceptance.ts
 * and password-reset-confirmation.ts (Cognito), so a function that sends
 * links carries no Cognito client and one that follows them no SES client
 * unless it also emails.
 */

/** A new link of `purpose` for the account: the token to store and the URL to email (only the hash is ever stored). */
export function newLink(account: Account, purpose: TokenPurpose, validForMs = config().INVITATION_TTL_DAYS * 86_400_000): { token: StoredToken; link: string; validUntil: string } {
  const { token, hash } = newLinkToken();
  const validUntil = new Date(Date.now() + validForMs).toISOString();
  const stored: StoredToken = { hash, purpose, trustId: account.trustId, userId: account.id, validUntil, sentTo: sentToHash(account.email) };
  const page = purpose === 'invitation' ? 'invite' : 'reset-password';
  return { token: stored, link: apiUrl(`/${page}?token=${token}`), validUntil };
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

/**
 * A reset goes to an active or a locked account (API.md: any account not
 * inactive; review F, F-1): the usual way into a lock is a forgotten password.
 * Confirming it sets the password and ends sessions and leaves the lock (it is
 * against guessing; an unlock or the auto-unlock ends it). Never to an
 * inactive account (it would bring a deactivated one back) nor an invited one
 * (it would activate the account around its invitation; the admin re-sends
 * the invitation instead).
 */
export function resetIssuable(account: Pick<Account, 'status'>): boolean {
  return account.status === 'active' || account.status === 'locked';
}

function assertIssuable(account: Account, purpose: TokenPurpose): void {
  if (purpose === 'invitation' && account.status !== 'invited') throw new ConflictError('not_invited', 'The account is no longer invited');
  if (purpose === 'password_reset' && !resetIssuable(account)) {
    throw new ConflictError('not_active', account.status === 'invited' ? 'This account is still invited: send the invitation again instead' : 'Only active or locked accounts can reset their password');
  }
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

/** Emails a one-hour password-reset link, only to an active or locked account (the email tells a locked one it stays locked). */
export async function sendPasswordReset(account: Account, actorId: string, reload?: () => Promise<Account>): Promise<void> {
  assertIssuable(account, 'password_reset');
  const trust = await getTrust(account.trustId);
  const issued = await issue(account, 'password_reset', config().RESET_TTL_MINUTES * 60_000, actorId, 'password.reset_requested', reload);
  await sendEmail(issued.account.email, passwordResetEmail({ trustName: trust?.name ?? 'your trust', firstName: issued.account.firstName, link: issued.link, expiresAt: issued.validUntil, locked: issued.account.status === 'locked' }));
}

export const inviterOf = (account: Account) => ({ id: account.id, name: displayName(account) });
