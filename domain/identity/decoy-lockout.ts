import { reachedLimit, type LockoutPolicy } from './lockout';
import { hashToken } from './token-hash';

/**
 * Lockout for emails that may not sign in (no account, invited, inactive):
 * they must answer exactly as an active account does — `invalid_credentials`
 * for each wrong attempt, then 423 `account_locked` once the policy's number
 * of failures is reached — or the 423 would tell an attacker which emails
 * have live accounts. The failures are counted per email hash in an item
 * that expires (nobody can unlock a decoy, and nothing may pile up):
 * - the policy is the account's trust's when the email has an account,
 *   otherwise the default (5 failures, no auto-unlock);
 * - failures before the lock are forgotten `DECOY_FAILURE_SECONDS` after the
 *   last one;
 * - a lock lasts the trust's `autoUnlockMinutes` when set (as an account's
 *   does), otherwise `DECOY_FAILURE_SECONDS` — standing in for "until an
 *   administrator unlocks it", which for a real account can be any time.
 */
export interface DecoyCounter {
  failures: number;
  lockedAt?: string;
  /** Epoch seconds; past it the counter no longer counts (TTL deletion lags). */
  expiresAt: number;
  /** Epoch seconds until which reserved attempts hold places, as on an account (lockout.ts). */
  reservedUntil?: number;
}

export const DECOY_FAILURE_SECONDS = 24 * 3600;

const live = (counter: DecoyCounter | undefined, now: Date): counter is DecoyCounter =>
  counter !== undefined && counter.expiresAt * 1000 > now.getTime();

/** Whether the email answers 423 before anyone asks Cognito, as a locked account does. */
export function decoyLocked(counter: DecoyCounter | undefined, policy: LockoutPolicy, now: Date): boolean {
  return live(counter, now) && reachedLimit(counter.failures, policy);
}

/** How long a decoy lock lasts once the limit is reached. */
export function decoyLockSeconds(policy: LockoutPolicy): number {
  return policy.autoUnlockMinutes ? policy.autoUnlockMinutes * 60 : DECOY_FAILURE_SECONDS;
}

/** The counter's key: the SHA-256 of the lower-case email, so the table holds no address that has no account. */
export const emailHash = (email: string): string => hashToken(email.toLowerCase());
