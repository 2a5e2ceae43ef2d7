import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError } from '../../../domain/errors';
import type { Account } from '../../../domain/identity/account';
import { auditNodeOf, mfaOnFrom, planActivate, planDeactivate, planMfaDisabled, planMfaEnabled, planUnlock, revokeSessionsAt, UNCHANGED } from '../../../domain/identity/lifecycle';
import { assertMayChangeTotp, assertMayStartTotpSetUp, otpauthUri } from '../../../domain/identity/totp';

const NOW = new Date('2026-03-01T12:00:00.400Z');
const NOW_S = Date.parse('2026-03-01T12:00:00Z') / 1000;

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'u1', trustId: 't1', email: 'a@b.example', firstName: 'A', lastName: 'B', userType: 'staff', status: 'active', source: 'manual',
    cognitoUsername: 'sub-1', sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 3, createdAt: '2025-09-01T00:00:00.000Z', updatedAt: '',
    ...overrides,
  };
}

describe('session cut-offs', () => {
  it('voids every session up to and including this second', () => {
    expect(revokeSessionsAt(NOW)).toBe(NOW_S + 1);
    expect(mfaOnFrom(NOW)).toBe(NOW_S + 1);
  });
});

describe('planUnlock', () => {
  it('makes a locked account active with a fresh counter and drops the lock time', () => {
    const change = planUnlock(account({ status: 'locked', failedLogins: 7, lockedAt: '2026-03-01T11:00:00.000Z' }));
    expect(change).toMatchObject({ set: { status: 'active', failedLogins: 0 }, remove: ['lockedAt'], action: 'user.unlocked' });
  });

  it('resets the counter of an active account, and does nothing when it is already zero', () => {
    expect(planUnlock(account({ failedLogins: 3 }))).toMatchObject({ set: { failedLogins: 0 }, remove: [] });
    expect(planUnlock(account({ failedLogins: 0 }))).toBe(UNCHANGED);
    expect(planUnlock(account())).toBe(UNCHANGED);
  });

  it('refuses invited and inactive accounts with 409 not_locked', () => {
    for (const status of ['invited', 'inactive'] as const) {
      expect(() => planUnlock(account({ status }))).toThrow(expect.objectContaining({ code: 'not_locked' }));
      expect(() => planUnlock(account({ status }))).toThrow(ConflictError);
    }
  });
});

describe('planDeactivate', () => {
  it('makes the account inactive and voids its sessions', () => {
    const change = planDeactivate(account({ acceptedAt: '2025-09-02T00:00:00.000Z' }), 'admin', NOW);
    expect(change).toEqual(expect.objectContaining({ set: { status: 'inactive', sessionsValidAfter: NOW_S + 1 }, action: 'user.deactivated' }));
  });

  it('voids the emailed links (invitation, reset), so none works if the account comes back', () => {
    for (const status of ['invited', 'active', 'locked'] as const) {
      const change = planDeactivate(account({ status, invitationTokenHash: 'i', resetTokenHash: 'r' }), 'admin', NOW);
      expect(change !== UNCHANGED && change.remove).toEqual(expect.arrayContaining(['invitationTokenHash', 'resetTokenHash']));
    }
  });

  it('refuses to deactivate the caller themself', () => {
    expect(() => planDeactivate(account(), 'u1', NOW)).toThrow(expect.objectContaining({ code: 'cannot_deactivate_self' }));
  });

  it('leaves an inactive account as it is', () => {
    expect(planDeactivate(account({ status: 'inactive' }), 'admin', NOW)).toBe(UNCHANGED);
  });

  it('takes over an account the MIS sync deactivated: it stays inactive and the sync may no longer bring it back', () => {
    expect(planDeactivate(account({ status: 'inactive', deactivatedBy: 'mis' }), 'admin', NOW)).toMatchObject({ set: {}, remove: ['deactivatedBy', 'invitationTokenHash', 'resetTokenHash'], action: 'user.deactivated' });
  });

  it('records an account that was usable without an invitation as accepted, and an invited one not', () => {
    expect(planDeactivate(account({ status: 'locked' }), 'admin', NOW)).toMatchObject({ set: { acceptedAt: '2025-09-01T00:00:00.000Z' } });
    const invited = planDeactivate(account({ status: 'invited' }), 'admin', NOW);
    expect(invited !== UNCHANGED && invited.set.acceptedAt).toBeFalsy();
  });
});

describe('planActivate', () => {
  it('brings an account that accepted back as active, with the lockout afresh', () => {
    const change = planActivate(account({ status: 'inactive', acceptedAt: '2025-09-02T00:00:00.000Z', failedLogins: 5, lockedAt: 'x' }));
    expect(change).toMatchObject({ set: { status: 'active', failedLogins: 0 }, remove: ['lockedAt', 'invitationTokenHash', 'resetTokenHash'], action: 'user.activated' });
  });

  it('clears the MIS sync\'s mark when it brings an account back', () => {
    expect(planActivate(account({ status: 'inactive', deactivatedBy: 'mis' }))).toMatchObject({ remove: ['deactivatedBy', 'invitationTokenHash', 'resetTokenHash'] });
  });

  it('voids any link still stored from before the deactivation (one deactivated before deactivation voided them)', () => {
    const change = planActivate(account({ status: 'inactive', invitationTokenHash: 'i', resetTokenHash: 'r' }));
    expect(change !== UNCHANGED && change.remove).toEqual(expect.arrayContaining(['invitationTokenHash', 'resetTokenHash']));
  });

  it('brings an account that never accepted back as invited', () => {
    expect(planActivate(account({ status: 'inactive' }))).toMatchObject({ set: { status: 'invited' } });
  });

  it('leaves an account that is not inactive as it is', () => {
    for (const status of ['active', 'invited', 'locked'] as const) expect(planActivate(account({ status }))).toBe(UNCHANGED);
  });

  it('undoes a deactivation of an active account', () => {
    const before = account();
    const deactivated = planDeactivate(before, 'admin', NOW);
    if (deactivated === UNCHANGED) throw new Error('expected a change');
    const after = planActivate({ ...before, ...deactivated.set });
    expect(after).toMatchObject({ set: { status: 'active' } });
  });
});

describe('planMfaEnabled', () => {
  it('turns TOTP on for sign-ins after this second', () => {
    expect(planMfaEnabled(account(), NOW)).toMatchObject({ set: { mfaEnabled: true, mfaEnabledAt: NOW_S + 1 }, action: 'mfa.enabled' });
  });

  it('keeps the original time when moving to a new device', () => {
    expect(planMfaEnabled(account({ mfaEnabled: true, mfaEnabledAt: 1000 }), NOW)).toMatchObject({ set: { mfaEnabledAt: 1000 } });
  });

  it('starts a TOTP set-up only while TOTP is off (in AWS a re-key makes the password enough until verified)', () => {
    expect(() => assertMayStartTotpSetUp({ mfaEnabled: true })).toThrow(expect.objectContaining({ code: 'mfa_already_enabled' }));
    expect(() => assertMayStartTotpSetUp({ mfaEnabled: false })).not.toThrow();
  });

  it('turns TOTP off when Cognito let a sign-in through without a code, saying why', () => {
    expect(planMfaDisabled(account({ mfaEnabled: true, mfaEnabledAt: 1000 }), { by: 'sign_in', now: NOW })).toMatchObject({
      set: { mfaEnabled: false }, remove: ['mfaEnabledAt', 'mfaSessionIds'], action: 'mfa.disabled', after: { mfaEnabled: false, reason: 'cognito_asked_no_code' },
    });
    expect(planMfaDisabled(account({ mfaEnabled: false }), { by: 'sign_in', now: NOW })).toBe(UNCHANGED);
  });

  it('lets only a session that passed TOTP re-key it', () => {
    expect(() => assertMayChangeTotp({ mfaEnabled: true }, false)).toThrow(ForbiddenError);
    expect(() => assertMayChangeTotp({ mfaEnabled: true }, true)).not.toThrow();
    expect(() => assertMayChangeTotp({ mfaEnabled: false }, false)).not.toThrow();
  });
});

describe('otpauthUri', () => {
  it('names the issuer and the account the way authenticator apps expect', () => {
    expect(otpauthUri({ issuer: 'Oak Trust', email: 'jo@oak.example', secret: 'JBSWY3DPEHPK3PXP' })).toBe(
      'otpauth://totp/Oak%20Trust:jo%40oak.example?secret=JBSWY3DPEHPK3PXP&issuer=Oak%20Trust',
    );
  });

  it('keeps a colon in the trust name from splitting the label', () => {
    expect(otpauthUri({ issuer: 'A: B', email: 'x@y.example', secret: 'S' })).toMatch(/^otpauth:\/\/totp\/A%20%20B:x%40y\.example\?/);
  });
});

describe('auditNodeOf', () => {
  it('files under the primary placement, else any placement, else the trust', () => {
    expect(auditNodeOf({ memberships: [{ nodeId: 'a', primary: false, isManager: false }, { nodeId: 'b', primary: true, isManager: false }], assignments: [] })).toBe('b');
    expect(auditNodeOf({ memberships: [], assignments: [{ id: 'x', roleId: 'r', nodeId: 'c' }] })).toBe('c');
    expect(auditNodeOf({ memberships: [], assignments: [] })).toBeNull();
  });
});
