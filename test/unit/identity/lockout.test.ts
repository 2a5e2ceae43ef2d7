import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../../domain/identity/account';
import { afterFailure, autoUnlockDue, loginGateFor, reachedLimit, unlocksAt } from '../../../domain/identity/lockout';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'u1', trustId: 't1', email: 'a@b.example', firstName: 'A', lastName: 'B', userType: 'staff', status: 'active', source: 'manual',
    cognitoUsername: 'sub-1', sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: '', updatedAt: '',
    ...overrides,
  };
}

const manual = { maxFailedLogins: 5 };
const auto30 = { maxFailedLogins: 5, autoUnlockMinutes: 30 };

describe('loginGateFor', () => {
  it('sends unknown, invited and inactive accounts to the decoy', () => {
    expect(loginGateFor(undefined, manual, NOW)).toBe('decoy');
    expect(loginGateFor(account({ status: 'invited' }), manual, NOW)).toBe('decoy');
    expect(loginGateFor(account({ status: 'inactive' }), manual, NOW)).toBe('decoy');
  });

  it('lets an active account below the limit attempt', () => {
    expect(loginGateFor(account(), manual, NOW)).toBe('attempt');
    expect(loginGateFor(account({ failedLogins: 4 }), manual, NOW)).toBe('attempt');
  });

  it('refuses a locked account without an attempt when only an admin can unlock it', () => {
    expect(loginGateFor(account({ status: 'locked', lockedAt: minutesAgo(10_000) }), manual, NOW)).toBe('locked');
  });

  it('completes the lock of an active account whose counter already reached the limit', () => {
    expect(loginGateFor(account({ failedLogins: 5 }), manual, NOW)).toBe('complete_lock');
    expect(loginGateFor(account({ failedLogins: 31 }), manual, NOW)).toBe('complete_lock');
  });

  it('keeps a lock until the auto-unlock time, and unlocks from that minute on', () => {
    expect(loginGateFor(account({ status: 'locked', lockedAt: minutesAgo(29) }), auto30, NOW)).toBe('locked');
    expect(loginGateFor(account({ status: 'locked', lockedAt: minutesAgo(30) }), auto30, NOW)).toBe('auto_unlock');
    expect(loginGateFor(account({ status: 'locked', lockedAt: minutesAgo(90) }), auto30, NOW)).toBe('auto_unlock');
  });

  it('keeps a lock with no recorded time even under auto-unlock', () => {
    expect(loginGateFor(account({ status: 'locked' }), auto30, NOW)).toBe('locked');
    expect(loginGateFor(account({ status: 'locked', lockedAt: 'garbage' }), auto30, NOW)).toBe('locked');
  });
});

describe('afterFailure', () => {
  it('counts failures below the limit and locks from the limit on', () => {
    expect([1, 2, 3, 4].map((n) => afterFailure(n, manual))).toEqual(['counted', 'counted', 'counted', 'counted']);
    expect(afterFailure(5, manual)).toBe('lock');
    expect(afterFailure(6, manual)).toBe('lock');
  });

  it('follows the trust policy', () => {
    expect(afterFailure(2, { maxFailedLogins: 3 })).toBe('counted');
    expect(afterFailure(3, { maxFailedLogins: 3 })).toBe('lock');
  });

  it('never lets a limit below one lock an account that has not failed', () => {
    expect(afterFailure(0, { maxFailedLogins: 0 })).toBe('counted');
    expect(afterFailure(1, { maxFailedLogins: 0 })).toBe('lock');
  });

  it('locks exactly from the limit, for every limit and count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100 }), (max, count) => {
        expect(afterFailure(count, { maxFailedLogins: max }) === 'lock').toBe(count >= max);
        expect(reachedLimit(count, { maxFailedLogins: max })).toBe(count >= max);
      }),
    );
  });
});

describe('auto-unlock', () => {
  it('has no unlock time without the policy, or for an account that is not locked', () => {
    expect(unlocksAt(account({ status: 'locked', lockedAt: minutesAgo(5) }), manual)).toBeUndefined();
    expect(unlocksAt(account({ status: 'active', lockedAt: minutesAgo(5) }), auto30)).toBeUndefined();
  });

  it('unlocks autoUnlockMinutes after the lock', () => {
    expect(unlocksAt(account({ status: 'locked', lockedAt: '2026-03-01T11:00:00.000Z' }), auto30)?.toISOString()).toBe('2026-03-01T11:30:00.000Z');
    expect(autoUnlockDue(account({ status: 'locked', lockedAt: '2026-03-01T11:30:00.001Z' }), auto30, NOW)).toBe(false);
    expect(autoUnlockDue(account({ status: 'locked', lockedAt: '2026-03-01T11:30:00.000Z' }), auto30, NOW)).toBe(true);
  });
});
