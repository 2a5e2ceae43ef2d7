import type { TrustPolicies } from '../org/trust';
import type { Account } from './account';

/**
 * Account lockout: after `maxFailedLogins` consecutive failed sign-ins
 * (wrong passwords or wrong TOTP codes) the account locks until an admin
 * unlocks it, or until `autoUnlockMinutes` have passed when the trust set it.
 *
 * The counter lives on the profile item and is only ever changed atomically
 * (ADD, conditional SET), so these rules decide on the values the store
 * returns, never on a value read earlier in the request.
 *
 * The limit is a cap, whatever the concurrency: before anyone asks Cognito,
 * an attempt reserves its place with one conditional write
 * (`reservedAttempts` = failures counted + attempts in flight, kept below the
 * limit). A refused attempt's place becomes its counted failure; a success
 * (or an unlock) clears the reservations; an attempt that cannot reserve
 * answers 423, as a locked account does. Reservations expire together
 * (`reservedUntil`, moved on by each new one): a request that died between
 * its reservation and its answer holds its place only until then, and never
 * counts as a failure.
 */
export type LockoutPolicy = Pick<TrustPolicies, 'maxFailedLogins' | 'autoUnlockMinutes'>;

/**
 * What to do with a sign-in attempt before anyone asks Cognito:
 * - `attempt`: ask Cognito;
 * - `decoy`: unknown, invited or inactive account: spend a decoy attempt and
 *   give the one `invalid_credentials` answer;
 * - `locked`: answer 423 without asking Cognito;
 * - `complete_lock`: the account is still `active` but its counter already
 *   reached the limit (the request that reached it has not set the status
 *   yet, or failed before it could): lock it now and answer 423;
 * - `auto_unlock`: locked, but the trust's auto-unlock time has passed:
 *   unlock it, then attempt.
 */
export type LoginGate = 'attempt' | 'decoy' | 'locked' | 'complete_lock' | 'auto_unlock';

export function loginGateFor(account: Account | undefined, policy: LockoutPolicy, now: Date): LoginGate {
  if (!account) return 'decoy';
  if (account.status === 'locked') return autoUnlockDue(account, policy, now) ? 'auto_unlock' : 'locked';
  if (account.status !== 'active') return 'decoy';
  if (reachedLimit(account.failedLogins ?? 0, policy)) return 'complete_lock';
  return 'attempt';
}

/**
 * How long a reservation holds a place: well past the sign-in functions'
 * 15 s Lambda timeout, so no live attempt is ever forgotten, and short enough
 * that a request that died frees its place within a minute.
 */
export const ATTEMPT_RESERVATION_SECONDS = 60;

/** Whether reservations made until `reservedUntil` (epoch seconds) still hold places at `nowSeconds`. */
export function reservationsLive(reservedUntil: number | undefined, nowSeconds: number): boolean {
  return reservedUntil !== undefined && reservedUntil > nowSeconds;
}

/** Whether a count of consecutive failures locks the account. */
export function reachedLimit(failedLogins: number, policy: LockoutPolicy): boolean {
  return failedLogins >= limitOf(policy);
}

/** A limit below 1 would lock every account at once; treat it as 1. */
export function limitOf(policy: LockoutPolicy): number {
  return Math.max(1, Math.floor(policy.maxFailedLogins));
}

/**
 * The next state after one more failure, from the count the atomic ADD
 * returned: `lock` asks the store to lock the account (on the condition that
 * it is still active, so exactly one of many concurrent failures does it and
 * sends the email).
 */
export function afterFailure(failedLogins: number, policy: LockoutPolicy): 'counted' | 'lock' {
  return reachedLimit(failedLogins, policy) ? 'lock' : 'counted';
}

/** When a locked account unlocks by itself; undefined when only an admin can unlock it. */
export function unlocksAt(account: Pick<Account, 'status' | 'lockedAt'>, policy: LockoutPolicy): Date | undefined {
  if (account.status !== 'locked' || !policy.autoUnlockMinutes || !account.lockedAt) return undefined;
  const lockedAt = Date.parse(account.lockedAt);
  if (Number.isNaN(lockedAt)) return undefined;
  return new Date(lockedAt + policy.autoUnlockMinutes * 60_000);
}

export function autoUnlockDue(account: Pick<Account, 'status' | 'lockedAt'>, policy: LockoutPolicy, now: Date): boolean {
  const at = unlocksAt(account, policy);
  return at !== undefined && at.getTime() <= now.getTime();
}
