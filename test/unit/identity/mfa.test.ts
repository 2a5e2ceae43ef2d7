import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { mfaSignInNeedsRecord, sessionIdOf, sessionPassedMfa, type Account } from '../../../domain/identity/account';
import { planMfaDisabled, UNCHANGED } from '../../../domain/identity/lifecycle';
import { assertMayTurnOffTotp, mfaRequiredByRoles } from '../../../domain/identity/mfa-policy';
import { applySettingsPatch, defaultPolicies, isTimeZone, trustSettings, type Trust } from '../../../domain/org/trust';
import { makeAssignment, makeRole, makeRoles } from '../../fixtures/access';

const S = 1_780_000_000;
const NOW = new Date(S * 1000 + 400);

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'u1', trustId: 't1', email: 'a@b.example', firstName: 'A', lastName: 'B', userType: 'staff', status: 'active', source: 'manual',
    cognitoUsername: 'sub-1', sessionsValidAfter: 0, mfaEnabled: true, mfaEnabledAt: S + 1, edited: false, version: 3,
    createdAt: '2025-09-01T00:00:00.000Z', updatedAt: '', ...overrides,
  };
}

describe('sessionPassedMfa', () => {
  it('counts every sign-in from a whole second after TOTP went on', () => {
    expect(sessionPassedMfa(account(), { authTime: S + 1 })).toBe(true);
    expect(sessionPassedMfa(account(), { authTime: S + 60, sessionId: 'any' })).toBe(true);
  });

  it('counts a sign-in of the second TOTP went on only when the TOTP step recorded it', () => {
    const recorded = account({ mfaSessionIds: ['totp-session'] });
    expect(sessionPassedMfa(recorded, { authTime: S, sessionId: 'totp-session' })).toBe(true);
    // A password-only sign-in of that very second: same time, not recorded.
    expect(sessionPassedMfa(recorded, { authTime: S, sessionId: 'password-session' })).toBe(false);
    expect(sessionPassedMfa(recorded, { authTime: S })).toBe(false);
    expect(sessionPassedMfa(account(), { authTime: S, sessionId: 'totp-session' })).toBe(false);
  });

  it('counts nothing once TOTP is off, recorded or not', () => {
    const off = account({ mfaEnabled: false, mfaSessionIds: ['totp-session'] });
    expect(sessionPassedMfa(off, { authTime: S + 10 })).toBe(false);
    expect(sessionPassedMfa(off, { authTime: S, sessionId: 'totp-session' })).toBe(false);
  });

  it('asks the TOTP step to record only a sign-in that time alone would not count', () => {
    expect(mfaSignInNeedsRecord(account(), S)).toBe(true);
    expect(mfaSignInNeedsRecord(account(), S + 1)).toBe(false);
    expect(mfaSignInNeedsRecord(account({ mfaEnabled: false, mfaEnabledAt: undefined }), S)).toBe(false);
  });

  it("identifies a sign-in by Cognito's origin_jti, else the emulator's event_id", () => {
    expect(sessionIdOf({ origin_jti: 'o', event_id: 'e' })).toBe('o');
    expect(sessionIdOf({ event_id: 'e' })).toBe('e');
    expect(sessionIdOf({ jti: 'j' })).toBeUndefined();
    expect(sessionIdOf(undefined)).toBeUndefined();
  });
});

describe('planMfaDisabled', () => {
  it('turns TOTP off and forgets when and which sessions passed it', () => {
    const change = planMfaDisabled(account({ mfaSessionIds: ['x'] }), { by: 'self', now: NOW });
    expect(change).toMatchObject({ set: { mfaEnabled: false }, remove: ['mfaEnabledAt', 'mfaSessionIds'], action: 'mfa.disabled' });
    expect(change !== UNCHANGED && change.set.sessionsValidAfter).toBeFalsy();
  });

  it('signs every session out, up to and including this second, when an admin resets it', () => {
    const change = planMfaDisabled(account(), { by: 'admin', now: NOW });
    expect(change).toMatchObject({ set: { mfaEnabled: false, sessionsValidAfter: S + 1 }, action: 'mfa.reset' });
  });

  it('changes nothing when TOTP is already off', () => {
    expect(planMfaDisabled(account({ mfaEnabled: false }), { by: 'admin', now: NOW })).toBe(UNCHANGED);
  });
});

describe('mfaRequiredByRoles', () => {
  const roles = makeRoles(makeRole({ id: 'custom-cp', permissions: ['safeguarding.child_protection.view'] }));
  const base = { roles, policies: { requireMfaForAdmins: false }, now: NOW };

  it('requires 2FA of a holder of a requiresMfa or reserved permission, including a future-dated one', () => {
    expect(mfaRequiredByRoles({ ...base, assignments: [makeAssignment({ roleId: presetIds.designatedSafeguardingLead, nodeId: 's' })] })).toBe(true);
    expect(mfaRequiredByRoles({ ...base, assignments: [makeAssignment({ roleId: presetIds.headTeacher, nodeId: 's' })] })).toBe(true);
    expect(mfaRequiredByRoles({ ...base, assignments: [makeAssignment({ roleId: 'custom-cp', nodeId: 's' })] })).toBe(true);
    const later = makeAssignment({ roleId: presetIds.designatedSafeguardingLead, nodeId: 's', validFrom: new Date(NOW.getTime() + 86_400_000).toISOString() });
    expect(mfaRequiredByRoles({ ...base, assignments: [later] })).toBe(true);
  });

  it('does not count an expired assignment or an ordinary role', () => {
    const expired = makeAssignment({ roleId: presetIds.designatedSafeguardingLead, nodeId: 's', validUntil: new Date(NOW.getTime() - 1000).toISOString() });
    expect(mfaRequiredByRoles({ ...base, assignments: [expired, makeAssignment({ roleId: presetIds.teacher, nodeId: 's' })] })).toBe(false);
  });

  it("requires it of administrators only under the trust's requireMfaForAdmins", () => {
    const admin = [makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 's' })];
    expect(mfaRequiredByRoles({ ...base, assignments: admin })).toBe(false);
    expect(() => assertMayTurnOffTotp({ ...base, assignments: admin, policies: { requireMfaForAdmins: true } })).toThrow(
      expect.objectContaining({ code: 'mfa_required_by_role' }),
    );
  });
});

describe('trust settings', () => {
  const trust: Trust = {
    id: 't', name: 'Oak', rootNodeId: 'r', treeVersion: 4, settingsVersion: 2, adminUserId: 'a', createdAt: '', policies: { ...defaultPolicies, autoUnlockMinutes: 30 },
  };

  it('shows the stored membersOnly as clusterRolesMembersOnly, and no auto-unlock as null', () => {
    expect(trustSettings(trust)).toEqual({
      name: 'Oak', version: 2,
      policies: { maxFailedLogins: 5, autoUnlockMinutes: 30, requireMfaForAdmins: false, clusterRolesMembersOnly: false, digestHour: 7, timeZone: 'Europe/London', notificationDefaults: {} },
    });
    expect(trustSettings({ ...trust, policies: defaultPolicies }).policies.autoUnlockMinutes).toBeNull();
  });

  it('changes only what the patch names; null clears the auto-unlock', () => {
    const next = applySettingsPatch(trust, { policies: { clusterRolesMembersOnly: true, autoUnlockMinutes: null, digestHour: 0 } });
    expect(next).toEqual({ name: 'Oak', policies: { membersOnly: true, maxFailedLogins: 5, requireMfaForAdmins: false, digestHour: 0, timeZone: 'Europe/London' } });
  });

  it('knows IANA zones and refuses abbreviations and offsets', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    for (const zone of ['GMT+1', 'BST', 'Europe/Londres', '']) expect(isTimeZone(zone), zone).toBe(false);
  });
});
