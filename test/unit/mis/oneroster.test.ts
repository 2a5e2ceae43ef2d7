import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { readRoster, RosterBundleError } from '../../../domain/mis/oneroster';
import { onerosterBundle } from '../../fixtures/oneroster';

const org = { sourcedId: 'org-oak', name: 'Oak Primary' };

describe('readRoster (OneRoster 1.2 CSV)', () => {
  it('reads a bulk bundle with a BOM, CRLF line ends and unknown vendor columns', () => {
    const zip = onerosterBundle({
      org, bom: true, crlf: true, extraColumns: true,
      people: [
        { sourcedId: 'u1', givenName: 'Zoë', familyName: "O'Neill, Jr", email: 'Zoe.ONeill@Example.org', role: 'teacher', primaryOrgSourcedId: 'org-oak' },
        { sourcedId: 'u2', givenName: 'Bilal', familyName: 'Khan', role: 'ext:nurseryPractitioner', roleType: 'secondary' },
      ],
    });
    const roster = readRoster(zip);
    expect(roster.modes).toEqual({ orgs: 'bulk', users: 'bulk', roles: 'bulk' });
    expect(roster.errors).toEqual([]);
    expect(roster.orgs).toEqual([{ sourcedId: 'org-oak', name: 'Oak Primary', type: 'school' }]);
    expect(roster.users[0]).toMatchObject({ sourcedId: 'u1', givenName: 'Zoë', familyName: "O'Neill, Jr", email: 'Zoe.ONeill@Example.org', enabledUser: true, primaryOrgSourcedId: 'org-oak', line: 2 });
    expect(roster.users[1]).not.toHaveProperty('email');
    expect(roster.roles.map((r) => [r.userSourcedId, r.role, r.roleType, r.orgSourcedId])).toEqual([
      ['u1', 'teacher', 'primary', 'org-oak'],
      ['u2', 'ext:nurseryPractitioner', 'secondary', 'org-oak'],
    ]);
  });

  it('reads delta statuses', () => {
    const roster = readRoster(onerosterBundle({ org, mode: 'delta', people: [{ sourcedId: 'u1', givenName: 'A', familyName: 'B', role: 'aide', status: 'tobedeleted' }] }));
    expect(roster.modes.users).toBe('delta');
    expect(roster.users[0]!.status).toBe('tobedeleted');
    expect(roster.roles[0]!.status).toBe('tobedeleted');
  });

  it('reports a row it cannot read and keeps the rest of the file', () => {
    const usersCsv = [
      'sourcedId,status,enabledUser,givenName,familyName,email',
      'u1,,true,Ada,Abbott,ada@example.org',
      'u2,,true,,Bakare,bo@example.org',
      'u3,,maybe,Chloé,Costa,chloe@example.org',
      'u4,,true,"Dmitri,Davies,dd@example.org',
    ].join('\n');
    const roster = readRoster(onerosterBundle({ org, people: [], usersCsv }));
    expect(roster.users.map((u) => u.sourcedId)).toEqual(['u1']);
    expect(roster.errors.map((e) => [e.file, e.line, e.code])).toEqual([
      ['users.csv', 3, 'missing_field'],
      ['users.csv', 4, 'invalid_value'],
      ['users.csv', 5, 'unreadable_row'],
    ]);
  });

  it('refuses a bundle that is not a zip, or has no manifest or users file', () => {
    expect(() => readRoster(strToU8('not a zip'))).toThrow(RosterBundleError);
    expect(() => readRoster(zipSync({ 'users.csv': strToU8('sourcedId\n') }))).toThrow(/manifest/);
    expect(() => readRoster(zipSync({ 'manifest.csv': strToU8('propertyName,value\nfile.users,bulk\n') }))).toThrow(/users\.csv/);
  });

  it('reports an unknown role value but accepts ext: roles', () => {
    const roster = readRoster(onerosterBundle({ org, people: [{ sourcedId: 'u1', givenName: 'A', familyName: 'B', email: 'a@b.org', role: 'wizard' }] }));
    expect(roster.roles).toEqual([]);
    expect(roster.errors[0]).toMatchObject({ file: 'roles.csv', code: 'invalid_value' });
  });
});
