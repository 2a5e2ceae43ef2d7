import type { Person } from '../access/resolve';
import { ConflictError } from '../errors';
import type { Account, AccountStatus } from './account';
import type { EmailDelivery } from './email-delivery';

/**
 * The admin-driven moves of an account's life (unlock, deactivate, activate)
 * and the self-service ones (turning TOTP on, signing out everywhere), as
 * field changes the store applies to the profile in one conditional write.
 */
export interface AccountChange {
  set: {
    status?: AccountStatus;
    failedLogins?: number;
    sessionsValidAfter?: number;
    acceptedAt?: string;
    mfaEnabled?: boolean;
    mfaEnabledAt?: number;
    /** Only the MIS sync sets it, with its deactivation. */
    deactivatedBy?: 'mis';
    /** SES reported the address undeliverable (email-delivery.ts). */
    emailDelivery?: EmailDelivery;
  };
  remove: ('lockedAt' | 'mfaEnabledAt' | 'mfaSessionIds' | 'cognitoTotpOffPending' | 'deactivatedBy' | 'reservedUntil' | LinkHashField)[];
  /** The audit action and the before/after it records. */
  action: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** The profile attributes naming the account's live emailed links (invitation, password reset). */
export type LinkHashField = 'invitationTokenHash' | 'resetTokenHash';
/**
 * Deactivation voids both, and so does activation (for an account deactivated
 * before deactivation did): no link emailed before a deactivation ever works
 * after the account comes back; an invited person gets a re-sent invitation.
 */
const LINKS: LinkHashField[] = ['invitationTokenHash', 'resetTokenHash'];

/** Nothing to change: the request is answered as if it had just been done (idempotent). */
export const UNCHANGED = 'unchanged' as const;
export type Transition = AccountChange | typeof UNCHANGED;

const epochSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/**
 * The "sessions valid after" time that voids every session signed in up to
 * now. Token times are whole seconds, so a sign-in in this very second would
 * otherwise survive the sign-out: the cut is the next second.
 */
export function revokeSessionsAt(now: Date): number {
  return epochSeconds(now) + 1;
}

/**
 * When TOTP counts as on: sign-ins after this one. The session that turned
 * it on signed in with a password only, and so did any sign-in in the same
 * second (token times are whole seconds).
 */
export function mfaOnFrom(now: Date): number {
  return epochSeconds(now) + 1;
}

/**
 * The sign-in attempts reserved before Cognito (lockout.ts) go with a reset
 * counter, or a person unlocked within a minute of the lock would still find
 * every place taken.
 */
const reservations = (account: Account): 'reservedUntil'[] => (account.reservedUntil !== undefined ? ['reservedUntil'] : []);

/** Locked → active with a fresh counter; an active account only has its counter reset. */
export function planUnlock(account: Account): Transition {
  const failedLogins = account.failedLogins ?? 0;
  if (account.status === 'locked') {
    return {
      set: { status: 'active', failedLogins: 0 },
      remove: ['lockedAt', ...reservations(account)],
      action: 'user.unlocked',
      before: { status: 'locked', failedLogins, ...(account.lockedAt ? { lockedAt: account.lockedAt } : {}) },
      after: { status: 'active', failedLogins: 0 },
    };
  }
  if (account.status === 'active') {
    if (failedLogins === 0) return UNCHANGED;
    return { set: { failedLogins: 0 }, remove: reservations(account), action: 'user.unlocked', before: { status: 'active', failedLogins }, after: { status: 'active', failedLogins: 0 } };
  }
  throw new ConflictError('not_locked', `This account is ${account.status}, not locked`);
}

/**
 * Deactivation keeps every record (memberships, roles, history) and voids
 * every session and every emailed link (invitation, reset) at once. Nobody deactivates themself: it would lock the last
 * admin out with no way back.
 */
export function planDeactivate(account: Account, actorId: string, now: Date): Transition {
  if (account.id === actorId) throw new ConflictError('cannot_deactivate_self', 'You cannot deactivate your own account');
  if (account.status === 'inactive') {
    // Deactivated by the MIS sync (a leaver): deactivating by hand takes it over, so the sync never brings them back.
    if (account.deactivatedBy === undefined) return UNCHANGED;
    return { set: {}, remove: ['deactivatedBy', ...LINKS], action: 'user.deactivated', before: { status: 'inactive', deactivatedBy: account.deactivatedBy }, after: { status: 'inactive' } };
  }
  const usable = account.status === 'active' || account.status === 'locked';
  return {
    set: {
      status: 'inactive',
      sessionsValidAfter: revokeSessionsAt(now),
      // Accounts that were active from the start (a trust's first admin, seeded
      // or synced people) never went through an invitation: being usable shows
      // they accepted, so reactivation brings them back as active.
      ...(usable && !account.acceptedAt ? { acceptedAt: account.createdAt } : {}),
    },
    remove: [...(account.deactivatedBy ? ['deactivatedBy' as const] : []), ...LINKS],
    action: 'user.deactivated',
    before: { status: account.status },
    after: { status: 'inactive' },
  };
}

/** Back to `active` if the person ever accepted their invitation, else `invited`; the lockout starts afresh. */
export function planActivate(account: Account): Transition {
  if (account.status !== 'inactive') return UNCHANGED;
  const status: AccountStatus = account.acceptedAt ? 'active' : 'invited';
  return {
    set: { status, failedLogins: 0 },
    remove: [...(account.lockedAt ? ['lockedAt' as const] : []), ...(account.deactivatedBy ? ['deactivatedBy' as const] : []), ...LINKS, ...reservations(account)],
    action: 'user.activated',
    before: { status: 'inactive' },
    after: { status },
  };
}

/**
 * TOTP on: every later sign-in needs a code, and only those sessions pass
 * 2FA. Moving to a new device (TOTP already on) keeps the original time, so
 * the sessions that passed 2FA with the old device keep counting.
 */
export function planMfaEnabled(account: Account, now: Date): AccountChange {
  const mfaEnabledAt = account.mfaEnabled && account.mfaEnabledAt !== undefined ? account.mfaEnabledAt : mfaOnFrom(now);
  return {
    set: { mfaEnabled: true, mfaEnabledAt },
    remove: account.cognitoTotpOffPending ? ['cognitoTotpOffPending'] : [],
    action: 'mfa.enabled',
    before: { mfaEnabled: account.mfaEnabled },
    after: { mfaEnabled: true, mfaEnabledAt },
  };
}

/**
 * TOTP off, by the person (DELETE /me/mfa/totp) or by an admin after a lost
 * device (POST /users/{id}/mfa/reset): no session counts as 2FA any more,
 * since the time and the recorded sessions go with it. The admin reset also
 * signs every session out, so whoever holds the lost phone and a stolen
 * session is cut off too. Already off: nothing to change.
 */
export function planMfaDisabled(account: Account, input: { by: 'self' | 'admin' | 'sign_in'; now: Date }): Transition {
  if (!account.mfaEnabled) return UNCHANGED;
  const reset = input.by === 'admin';
  return {
    set: { mfaEnabled: false, ...(reset ? { sessionsValidAfter: revokeSessionsAt(input.now) } : {}) },
    remove: ['mfaEnabledAt', 'mfaSessionIds'],
    action: reset ? 'mfa.reset' : 'mfa.disabled',
    before: { mfaEnabled: true },
    after: { mfaEnabled: false, ...(reset ? { sessionsSignedOut: true } : {}), ...(input.by === 'sign_in' ? { reason: FOUND_OFF_AT_SIGN_IN } : {}) },
  };
}

/**
 * Why the table's TOTP went off without anyone turning it off: Cognito let a
 * password-only sign-in through. Whatever caused it (a re-key started and
 * never finished, a race with DELETE /me/mfa/totp), Cognito decides what a
 * sign-in asks for, so the table follows it before that sign-in gets tokens:
 * a session that skipped the code must never count as 2FA.
 */
export const FOUND_OFF_AT_SIGN_IN = 'cognito_asked_no_code';

/** The node an audit record about a person is filed under: their primary placement, so admins of that place see it. */
export function auditNodeOf(person: Pick<Person, 'memberships' | 'assignments'>): string | null {
  const primary = person.memberships.find((m) => m.primary) ?? person.memberships[0];
  return primary?.nodeId ?? person.assignments[0]?.nodeId ?? null;
}
