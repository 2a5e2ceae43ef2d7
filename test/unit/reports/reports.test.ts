import { describe, expect, it } from 'vitest';
import { Reach } from '../../../domain/access/reach';
import { getReport, parseReportParams, REPORT_COLUMNS, REPORT_NAMES, type ReportParams } from '../../../domain/reports/catalogue';
import type { Cell, ReportResult } from '../../../domain/reports/model';
import {
  accessReviewReport, dormantAccountsReport, expiringAccessReport, lockedAccountsReport, managersReport, runReport, sensitiveAccessReport, undeliverableEmailsReport,
  usersReport, validity,
} from '../../../domain/reports/reports';
import { grantKey, type GrantStamp } from '../../../domain/audit/grant';
import { makeAssignment, makeRole, makeRoles } from '../../fixtures/access';
import { makeReportPerson, reportTrust } from '../../fixtures/reports';

const t = reportTrust();
const base = { tree: t.tree, roles: t.roles, people: t.people };
const at = (nodeId = 'trust') => ({ nodeId, format: 'json' as const });

/** The rows as objects keyed by column, keeping only the columns asked for. */
function pick(result: ReportResult, columns: readonly string[]): Record<string, Cell>[] {
  const index = columns.map((column) => {
    const i = result.columns.indexOf(column);
    if (i < 0) throw new Error(`no column ${column}`);
    return i;
  });
  return result.rows.map((row) => Object.fromEntries(columns.map((column, k) => [column, row[index[k]!]!])));
}

const column = (result: ReportResult, name: string) => pick(result, [name]).map((row) => row[name]);

describe('every report', () => {
  it('answers its catalogue columns, rows as wide as them, and the time it was computed for', () => {
    const results: [string, ReportResult][] = [
      ['users', usersReport(base, at(), t.reach.trust, t.now)],
      ['access-review', accessReviewReport({ ...base, grants: t.grants }, at(), t.reach.trust, t.now)],
      ['sensitive-access', sensitiveAccessReport(base, at(), t.reach.trust, t.now)],
      ['expiring-access', expiringAccessReport(base, { ...at(), withinDays: 30 }, t.reach.trust, t.now)],
      ['dormant-accounts', dormantAccountsReport(base, { ...at(), days: 90 }, t.reach.trust, t.now)],
      ['locked-accounts', lockedAccountsReport(base, at(), t.reach.trust, t.now)],
      ['managers', managersReport(base, at(), t.reach.trust, t.now)],
      ['undeliverable-emails', undeliverableEmailsReport(base, at(), t.reach.trust, t.now)],
    ];
    for (const [name, result] of results) {
      expect(result.columns).toEqual(REPORT_COLUMNS[name as keyof typeof REPORT_COLUMNS]);
      expect(result.rows.length).toBeGreaterThan(0);
      for (const row of result.rows) expect(row).toHaveLength(result.columns.length);
      expect(result.generatedAt).toBe('2025-03-01T12:00:00.000Z');
    }
  });

  it('runs by name with the parsed defaults, answering the catalogue columns', () => {
    const data = { ...base, grants: t.grants };
    for (const name of REPORT_NAMES) {
      const params = parseReportParams(name, {}, t.tree);
      expect(runReport(name, data, params, t.reach.trust, t.now).columns).toEqual(getReport(name).columns);
    }
    expect(runReport('expiring-access', base, parseReportParams('expiring-access', {}, t.tree), t.reach.trust, t.now)).toEqual(
      expiringAccessReport(base, { nodeId: 'trust', format: 'json', withinDays: 30 }, t.reach.trust, t.now),
    );
  });

  it('counts someone the handler loaded twice (once per school) once', () => {
    const twice = { ...base, people: [...t.people, ...t.people] };
    expect(usersReport(twice, at(), t.reach.trust, t.now)).toEqual(usersReport(base, at(), t.reach.trust, t.now));
    expect(accessReviewReport({ ...twice, grants: t.grants }, at(), t.reach.trust, t.now).rows).toHaveLength(11);
    expect(managersReport(twice, at(), t.reach.trust, t.now)).toEqual(managersReport(base, at(), t.reach.trust, t.now));
  });

  it('reads nothing at all for an empty reach', () => {
    const none = new Reach('trust');
    expect(usersReport(base, at(), none, t.now).rows).toEqual([]);
    expect(managersReport(base, at(), none, t.now).rows).toEqual([]);
    expect(accessReviewReport({ ...base, grants: t.grants }, at(), none, t.now).rows).toEqual([]);
  });
});

describe('users', () => {
  it('writes the export cells for everyone in reach but the inactive, by last name, first name, id', () => {
    const result = usersReport(base, at(), t.reach.trust, t.now);
    expect(column(result, 'id')).toEqual(['alice', 'ann-a', 'ann-b', 'dora', 'harry', 'ivy', 'lee', 'nora', 'nemo', 'sam']);
    const rows = new Map(result.rows.map((row) => [row[0], row]));
    expect(rows.get('harry')).toEqual([
      'harry', 'Harry', 'Head', 'harry@example.org', '+44 7700 900123', 'staff', 'active', 'manual', false,
      'north-school', 'Head Teacher', 'north-school', 'Head Teacher@north-school; Designated Safeguarding Lead@south-school',
      '2025-02-20T08:00:00.000Z',
    ]);
    expect(rows.get('alice')).toEqual([
      'alice', 'Alice', 'Adams', 'alice@example.org', null, 'staff', 'active', 'manual', false, null, null, '', 'Trust Admin@trust',
      '2025-02-20T08:00:00.000Z',
    ]);
    // Same node: by role name; a validity end as the export prints it (the last valid day).
    expect(rows.get('sam')![12]).toBe('School Admin@south-school; Teacher@south-school until 2025-03-14');
    expect(rows.get('ivy')!.slice(6, 7)).toEqual(['invited']);
    expect(rows.get('dora')![13]).toBeNull();
  });

  it('shows a cluster admin their cluster only: people placed there, and only the roles and schools there', () => {
    const result = usersReport(base, at(), t.reach.north, t.now);
    expect(column(result, 'id')).toEqual(['dora', 'harry', 'ivy', 'nora']);
    expect(pick(result, ['id', 'roles']).find((r) => r.id === 'harry')!.roles).toBe('Head Teacher@north-school');
  });

  it('shows a school admin someone placed elsewhere only by what they hold at the school', () => {
    const result = usersReport(base, at(), t.reach.southSchool, t.now);
    expect(pick(result, ['id', 'primarySchool', 'jobTitle', 'schools', 'roles'])).toEqual([
      { id: 'harry', primarySchool: null, jobTitle: null, schools: '', roles: 'Designated Safeguarding Lead@south-school' },
      { id: 'sam', primarySchool: 'south-school', jobTitle: null, schools: 'south-school', roles: 'School Admin@south-school; Teacher@south-school until 2025-03-14' },
    ]);
  });

  it('lists people placed nowhere only for the whole trust', () => {
    expect(column(usersReport(base, at(), t.reach.trust, t.now), 'id')).toContain('nemo');
    expect(column(usersReport(base, at('north'), t.reach.trust, t.now), 'id')).not.toContain('nemo');
  });
});

describe('access-review', () => {
  const review = (reach: Reach, nodeId = 'trust', extra: { actorNames?: ReadonlyMap<string, string>; stamps?: ReadonlyMap<string, GrantStamp> } = {}) =>
    accessReviewReport({ ...base, grants: t.grants, ...extra }, at(nodeId), reach, t.now);

  it('lists every person × role × node in person order, then tree order, then role name', () => {
    expect(pick(review(t.reach.trust), ['userId', 'role', 'node', 'status', 'accountStatus'])).toEqual([
      { userId: 'alice', role: 'Trust Admin', node: 'trust', status: 'valid', accountStatus: 'active' },
      { userId: 'dora', role: 'Designated Safeguarding Lead', node: 'north-school', status: 'future', accountStatus: 'active' },
      { userId: 'dora', role: 'Teacher', node: 'north-school', status: 'valid', accountStatus: 'active' },
      { userId: 'harry', role: 'Head Teacher', node: 'north-school', status: 'valid', accountStatus: 'active' },
      { userId: 'harry', role: 'Designated Safeguarding Lead', node: 'south-school', status: 'valid', accountStatus: 'active' },
      { userId: 'ivy', role: 'Staff', node: 'sub-school', status: 'valid', accountStatus: 'invited' },
      { userId: 'lee', role: 'Teacher', node: 'central-school', status: 'valid', accountStatus: 'locked' },
      { userId: 'nora', role: 'Cluster Administrator', node: 'north', status: 'valid', accountStatus: 'active' },
      { userId: 'olive', role: 'Teacher', node: 'north-school', status: 'expired', accountStatus: 'inactive' },
      { userId: 'sam', role: 'School Admin', node: 'south-school', status: 'valid', accountStatus: 'active' },
      { userId: 'sam', role: 'Teacher', node: 'south-school', status: 'valid', accountStatus: 'active' },
    ]);
  });

  it('says who granted each role and when from its role.assigned record, and that the record is missing when the trail has none', () => {
    const rows = pick(review(t.reach.trust), ['userId', 'roleId', 'grantedById', 'grantedBy', 'grantedAt', 'grantRecord']);
    const of = (userId: string, roleId: string) => rows.find((r) => r.userId === userId && r.roleId === roleId);
    expect(of('harry', 'preset-head-teacher')).toMatchObject({ grantedById: 'nora', grantedBy: 'Nora North', grantedAt: '2024-09-01T09:00:00.000Z', grantRecord: 'backfilled' });
    expect(of('harry', 'preset-designated-safeguarding-lead')).toMatchObject({ grantedById: 'alice', grantedBy: 'Alice Adams' });
    // The trail has a removal for as-dora and a grant of that id to someone else: neither is Dora's grant.
    expect(of('dora', 'preset-teacher')).toMatchObject({ grantedById: null, grantedBy: null, grantedAt: null, grantRecord: 'missing' });
    // A grantor the handler loaded no name for shows as their id; with a name, by it.
    expect(of('sam', 'preset-teacher')).toMatchObject({ grantedById: 'ext-admin', grantedBy: 'ext-admin' });
    const named = pick(review(t.reach.trust, 'trust', { actorNames: new Map([['ext-admin', 'Ext Admin']]) }), ['roleId', 'userId', 'grantedBy']);
    expect(named.find((r) => r.userId === 'sam' && r.roleId === 'preset-teacher')!.grantedBy).toBe('Ext Admin');
  });

  it('takes an assignment stamp before the trail, and a stamp saying missing stays missing even when some record could be matched', () => {
    const stamps = new Map<string, GrantStamp>([
      [grantKey('harry', 'as-harry-head'), { grantRecord: 'recorded', grantedBy: 'alice', grantedAt: '2025-01-01T00:00:00.000Z' }],
      [grantKey('harry', 'as-harry-dsl'), { grantRecord: 'missing' }],
    ]);
    const rows = pick(review(t.reach.trust, 'trust', { stamps }), ['userId', 'roleId', 'grantedById', 'grantedBy', 'grantedAt', 'grantRecord']);
    const of = (roleId: string) => rows.find((r) => r.userId === 'harry' && r.roleId === roleId);
    expect(of('preset-head-teacher')).toEqual({ userId: 'harry', roleId: 'preset-head-teacher', grantedById: 'alice', grantedBy: 'Alice Adams', grantedAt: '2025-01-01T00:00:00.000Z', grantRecord: 'recorded' });
    expect(of('preset-designated-safeguarding-lead')).toMatchObject({ grantedById: null, grantedBy: null, grantedAt: null, grantRecord: 'missing' });
  });

  it('flags the 2FA-only and reserved permissions a role carries, and the person 2FA', () => {
    const rows = pick(review(t.reach.trust), ['userId', 'roleId', 'requiresMfaPermissions', 'reservedPermissions', 'mfaEnabled']);
    expect(rows.find((r) => r.roleId === 'preset-head-teacher')).toEqual({
      userId: 'harry', roleId: 'preset-head-teacher', mfaEnabled: false,
      requiresMfaPermissions: 'safeguarding.child_protection.view; safeguarding.allegations.manage',
      reservedPermissions: 'safeguarding.allegations.manage',
    });
    expect(rows.find((r) => r.roleId === 'preset-trust-admin')).toMatchObject({
      requiresMfaPermissions: 'safeguarding.child_protection.view', reservedPermissions: null, mfaEnabled: true,
    });
    expect(rows.find((r) => r.roleId === 'preset-teacher')).toMatchObject({ requiresMfaPermissions: null, reservedPermissions: null });
  });

  it('flags nothing for a code the catalogue no longer lists', () => {
    const roles = makeRoles(makeRole({ id: 'custom', name: 'Custom', permissions: ['legacy.retired', 'safeguarding.allegations.manage', 'users.view'] }));
    const person = makeReportPerson('zed', 'Zed', 'Zulu', { assignments: [makeAssignment({ id: 'as-zed', roleId: 'custom', nodeId: 'trust' })] });
    const rows = pick(accessReviewReport({ tree: t.tree, roles, people: [person], grants: [] }, at(), t.reach.trust, t.now), ['requiresMfaPermissions', 'reservedPermissions']);
    expect(rows).toEqual([{ requiresMfaPermissions: 'safeguarding.allegations.manage', reservedPermissions: 'safeguarding.allegations.manage' }]);
  });

  it('leaves out a visible person role outside the reach', () => {
    expect(pick(review(t.reach.north), ['userId', 'node'])).toEqual([
      { userId: 'dora', node: 'north-school' },
      { userId: 'dora', node: 'north-school' },
      { userId: 'harry', node: 'north-school' },
      { userId: 'ivy', node: 'sub-school' },
      { userId: 'nora', node: 'north' },
      { userId: 'olive', node: 'north-school' },
    ]);
    expect(pick(review(t.reach.southSchool), ['userId', 'role'])).toEqual([
      { userId: 'harry', role: 'Designated Safeguarding Lead' },
      { userId: 'sam', role: 'School Admin' },
      { userId: 'sam', role: 'Teacher' },
    ]);
  });

  it('reads validity as the decision engine does: from inclusive, until exclusive', () => {
    const now = new Date('2025-03-01T00:00:00.000Z');
    expect(validity({ validFrom: '2025-03-01T00:00:00.000Z' }, now)).toBe('valid');
    expect(validity({ validFrom: '2025-03-01T00:00:00.001Z' }, now)).toBe('future');
    expect(validity({ validUntil: '2025-03-01T00:00:00.000Z' }, now)).toBe('expired');
    expect(validity({ validUntil: '2025-03-01T00:00:00.001Z' }, now)).toBe('valid');
    expect(validity({}, now)).toBe('valid');
  });
});

describe('sensitive-access', () => {
  it('lists valid grants of 2FA-only or reserved permissions, flagging holders without 2FA', () => {
    const result = sensitiveAccessReport(base, at(), t.reach.trust, t.now);
    expect(pick(result, ['userId', 'role', 'node', 'permissions', 'requiresMfa', 'reserved', 'mfaEnabled', 'missing2fa'])).toEqual([
      {
        userId: 'alice', role: 'Trust Admin', node: 'trust', permissions: 'safeguarding.child_protection.view',
        requiresMfa: true, reserved: false, mfaEnabled: true, missing2fa: false,
      },
      {
        userId: 'harry', role: 'Head Teacher', node: 'north-school', permissions: 'safeguarding.child_protection.view; safeguarding.allegations.manage',
        requiresMfa: true, reserved: true, mfaEnabled: false, missing2fa: true,
      },
      {
        userId: 'harry', role: 'Designated Safeguarding Lead', node: 'south-school', permissions: 'safeguarding.child_protection.view',
        requiresMfa: true, reserved: false, mfaEnabled: false, missing2fa: true,
      },
    ]);
    // Dora's DSL starts in April: not held now.
    expect(column(result, 'userId')).not.toContain('dora');
  });

  it('cuts to the reach', () => {
    expect(pick(sensitiveAccessReport(base, at(), t.reach.north, t.now), ['userId', 'node'])).toEqual([{ userId: 'harry', node: 'north-school' }]);
    expect(pick(sensitiveAccessReport(base, at(), t.reach.southSchool, t.now), ['userId', 'node'])).toEqual([{ userId: 'harry', node: 'south-school' }]);
  });

  it('leaves out inactive accounts: their roles grant nothing', () => {
    const inactiveHarry = t.people.map((p) => (p.id === 'harry' ? { ...p, status: 'inactive' as const } : p));
    expect(column(sensitiveAccessReport({ ...base, people: inactiveHarry }, at(), t.reach.trust, t.now), 'userId')).toEqual(['alice']);
  });
});

describe('expiring-access', () => {
  const expiring = (withinDays: number, reach = t.reach.trust) =>
    expiringAccessReport(base, { ...at(), withinDays }, reach, t.now);

  it('lists assignments ending within withinDays, soonest first, with the last valid day and the days left', () => {
    expect(pick(expiring(30), ['userId', 'role', 'node', 'validUntil', 'lastDay', 'daysLeft'])).toEqual([
      { userId: 'sam', role: 'Teacher', node: 'south-school', validUntil: '2025-03-15T00:00:00.000Z', lastDay: '2025-03-14', daysLeft: 14 },
      { userId: 'ivy', role: 'Staff', node: 'sub-school', validUntil: '2025-03-20T00:00:00.000Z', lastDay: '2025-03-19', daysLeft: 19 },
    ]);
  });

  it('counts withinDays from now, inclusive of an end exactly at the window edge', () => {
    // Sam's role ends 13.5 days after now.
    expect(column(expiring(14), 'userId')).toEqual(['sam']);
    expect(column(expiring(13), 'userId')).toEqual([]);
    const edge = t.people.map((p) => (p.id === 'sam' ? { ...p, assignments: [{ id: 'x', roleId: 'preset-staff', nodeId: 'south-school', validUntil: '2025-03-02T12:00:00.000Z' }] } : p));
    expect(column(expiringAccessReport({ ...base, people: edge }, { ...at(), withinDays: 1 }, t.reach.trust, t.now), 'userId')).toEqual(['sam']);
  });

  it('leaves out what already ended and inactive accounts', () => {
    // Olive is inactive and her role ended in February.
    expect(column(expiring(365), 'userId')).toEqual(['sam', 'ivy']);
  });

  it('cuts to the reach', () => {
    expect(column(expiring(30, t.reach.north), 'userId')).toEqual(['ivy']);
    expect(column(expiring(30, t.reach.southSchool), 'userId')).toEqual(['sam']);
  });
});

describe('dormant-accounts', () => {
  const dormant = (days: number, reach = t.reach.trust) => dormantAccountsReport(base, { ...at(), days }, reach, t.now);

  it('lists active accounts unused for days days and invitations not accepted for as long, by name', () => {
    expect(pick(dormant(90), ['userId', 'status', 'reason', 'lastSignInAt', 'daysSince'])).toEqual([
      { userId: 'dora', status: 'active', reason: 'never_signed_in', lastSignInAt: null, daysSince: 424 },
      { userId: 'ivy', status: 'invited', reason: 'invitation_not_accepted', lastSignInAt: null, daysSince: 425 },
      { userId: 'sam', status: 'active', reason: 'not_since', lastSignInAt: '2024-10-01T00:00:00.000Z', daysSince: 151 },
    ]);
  });

  it('does not call an account made yesterday dormant, nor list locked or inactive ones', () => {
    // Nemo was created 2025-02-28, 1.5 days before now, and never signed in.
    expect(column(dormant(90), 'userId')).not.toContain('nemo');
    expect(pick(dormant(1), ['userId', 'reason', 'daysSince']).find((r) => r.userId === 'nemo')).toEqual({ userId: 'nemo', reason: 'never_signed_in', daysSince: 1 });
    expect(column(dormant(1), 'userId')).toEqual(['alice', 'ann-a', 'ann-b', 'dora', 'harry', 'ivy', 'nora', 'nemo', 'sam']);
  });

  it('reads days as the threshold', () => {
    expect(column(dormant(152), 'userId')).toEqual(['dora', 'ivy']);
    expect(column(dormant(151), 'userId')).toEqual(['dora', 'ivy', 'sam']);
  });

  it('cuts to the reach', () => {
    expect(column(dormant(90, t.reach.north), 'userId')).toEqual(['dora', 'ivy']);
    expect(column(dormant(90, t.reach.southSchool), 'userId')).toEqual(['sam']);
  });
});

describe('locked-accounts', () => {
  it('lists locked accounts with when they locked and when they unlock by themselves', () => {
    expect(pick(lockedAccountsReport(base, at(), t.reach.trust, t.now), ['userId', 'lockedAt', 'unlocksAt'])).toEqual([
      { userId: 'lee', lockedAt: '2025-03-01T11:00:00.000Z', unlocksAt: null },
    ]);
    const lockout = { maxFailedLogins: 5, autoUnlockMinutes: 30 };
    expect(pick(lockedAccountsReport({ ...base, lockout }, at(), t.reach.trust, t.now), ['userId', 'unlocksAt'])).toEqual([
      { userId: 'lee', unlocksAt: '2025-03-01T11:30:00.000Z' },
    ]);
  });

  it('cuts to the reach', () => {
    expect(lockedAccountsReport(base, at(), t.reach.north, t.now).rows).toEqual([]);
    expect(lockedAccountsReport(base, at('central-school'), t.reach.trust, t.now).rows).toHaveLength(1);
  });
});

describe('undeliverable-emails', () => {
  it('lists the people SES reported undeliverable, with what it said and when; inactive accounts left out', () => {
    expect(pick(undeliverableEmailsReport(base, at(), t.reach.trust, t.now), ['userId', 'status', 'delivery', 'reportedAt', 'detail'])).toEqual([
      { userId: 'ivy', status: 'invited', delivery: 'bounced', reportedAt: '2025-02-27T09:00:00.000Z', detail: 'General 5.1.1' },
    ]);
  });

  it('cuts to the reach and to the node asked for', () => {
    expect(column(undeliverableEmailsReport(base, at(), t.reach.north, t.now), 'userId')).toEqual(['ivy']);
    expect(undeliverableEmailsReport(base, at(), t.reach.southSchool, t.now).rows).toEqual([]);
    expect(undeliverableEmailsReport(base, at('central-school'), t.reach.trust, t.now).rows).toEqual([]);
  });
});

describe('managers', () => {
  it('writes each school line in tree order, managers in appointment order, inactive ones left out', () => {
    expect(pick(managersReport(base, at(), t.reach.trust, t.now), ['nodeId', 'label', 'line', 'managers'])).toEqual([
      { nodeId: 'central-school', label: null, line: '', managers: 0 },
      { nodeId: 'north-school', label: null, line: 'Harry Head - Head Teacher, Dora Deputy - Deputy Head', managers: 2 },
      { nodeId: 'sub-school', label: 'Nursery', line: '', managers: 0 },
      { nodeId: 'south-school', label: null, line: '', managers: 0 },
    ]);
  });

  it('orders managers appointed together by name', () => {
    const sameDay = t.people.map((p) => ({
      ...p, memberships: p.memberships.map((m) => (m.isManager ? { ...m, since: '2024-09-01T00:00:00.000Z' } : m)),
    }));
    const north = managersReport({ ...base, people: sameDay }, at('north-school'), t.reach.trust, t.now);
    expect(column(north, 'line')).toEqual(['Dora Deputy - Deputy Head, Harry Head - Head Teacher']);
  });

  it('reads only the schools in reach', () => {
    expect(column(managersReport(base, at(), t.reach.north, t.now), 'nodeId')).toEqual(['north-school', 'sub-school']);
    expect(column(managersReport(base, at(), t.reach.southSchool, t.now), 'nodeId')).toEqual(['south-school']);
  });
});

describe('the reach cut', () => {
  const run = (reach: Reach, nodeId: string) => {
    const params = at(nodeId);
    return [
      usersReport(base, params, reach, t.now),
      accessReviewReport({ ...base, grants: t.grants }, params, reach, t.now),
      sensitiveAccessReport(base, params, reach, t.now),
      expiringAccessReport(base, { ...params, withinDays: 365 } satisfies ReportParams<'expiring-access'>, reach, t.now),
      dormantAccountsReport(base, { ...params, days: 1 }, reach, t.now),
      lockedAccountsReport(base, params, reach, t.now),
      managersReport(base, params, reach, t.now),
    ];
  };
  const northIds = new Set(['north', 'north-school', 'north-sub', 'sub-school']);
  const northPeople = new Set(['dora', 'harry', 'ivy', 'nora', 'olive']);

  it('never gives a cluster admin a row about a person or node outside the cluster, whatever nodeId they ask for', () => {
    for (const nodeId of ['trust', 'north', 'south', 'central-school']) {
      for (const result of run(t.reach.north, nodeId)) {
        for (const row of pick(result, result.columns)) {
          for (const key of ['id', 'userId']) if (key in row) expect(northPeople).toContain(row[key]);
          if ('nodeId' in row) expect(northIds).toContain(row.nodeId);
          for (const cell of Object.values(row)) {
            if (typeof cell === 'string') expect(cell).not.toMatch(/south|central|@trust\b|Adams|Trust Admin/);
          }
        }
      }
    }
  });

  it('gives nothing for a nodeId outside the reach', () => {
    for (const result of run(t.reach.north, 'south')) expect(result.rows).toEqual([]);
    for (const result of run(t.reach.southSchool, 'north')) expect(result.rows).toEqual([]);
  });

  it('gives a trust admin asking for a cluster exactly what the cluster admin reads', () => {
    expect(run(t.reach.trust, 'north')).toEqual(run(t.reach.north, 'trust'));
  });

  it('gives a school reach the same as a trust admin asking for that school', () => {
    expect(run(t.reach.southSchool, 'trust')).toEqual(run(t.reach.trust, 'south-school'));
  });
});
