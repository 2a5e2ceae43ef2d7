import { describe, expect, it } from 'vitest';
import { USER_CSV_COLUMNS } from '../../../domain/directory/csv-format';
import type { DirectoryEntry } from '../../../domain/directory/directory-index';
import { exportRow } from '../../../domain/directory/export-row';
import { localPathIsValid, signLocalPath } from '../../../functions/shared/local-signed-url';

const entry: DirectoryEntry = {
  id: 'u1', firstName: '@Ann', lastName: '-Lee', email: 'ann@x.example', mobile: '+44 7700 900123', userType: 'staff', status: 'active',
  source: 'mis', edited: true, mfaEnabled: false, primaryNodeId: 's1', jobTitle: '=1+1', nodeIds: ['s1', 's2', 'gone'], memberOf: ['s1', 'gone'],
  roles: [{ roleId: 'teacher', nodeId: 's2', validUntil: '2027-08-01T00:00:00.000Z' }, { roleId: 'custom-gone', nodeId: 's1' }],
  lastSignInAt: '2026-11-30T08:00:00.000Z', updatedAt: '2026-11-30T08:00:00.000Z', version: 3, changedAt: '2026-11-30T08:00:00.000Z',
};

describe('exportRow', () => {
  it('fills the API.md columns in order, names resolved, formula cells prefixed, unknown names left as ids', () => {
    const names = { nodeName: (id: string) => ({ s1: 'Oak School', s2: 'Elm School' })[id], roleName: (id: string) => (id === 'teacher' ? 'Teacher' : undefined) };
    const row = Object.fromEntries(USER_CSV_COLUMNS.map((column, i) => [column, exportRow(entry, names)[i]]));
    expect(row).toEqual({
      id: 'u1', firstName: "'@Ann", lastName: "'-Lee", email: 'ann@x.example', mobile: "'+44 7700 900123", userType: 'staff', status: 'active',
      source: 'mis', edited: 'true', primarySchool: 'Oak School', jobTitle: "'=1+1", schools: 'Oak School; gone',
      roles: 'Teacher@Elm School until 2027-07-31; custom-gone@Oak School', lastSignInAt: '2026-11-30T08:00:00.000Z',
    });
  });
});

describe('local signed export links', () => {
  it('accept only the path and expiry they were signed for, and only until then', () => {
    const now = Date.parse('2026-12-01T10:00:00.000Z');
    const expires = now / 1000 + 300;
    const signed = new URL(signLocalPath('/_local/exports/a/b.csv', expires, 'secret-secret-secret'), 'http://x');
    const [e, s] = [signed.searchParams.get('expires'), signed.searchParams.get('signature')];
    expect(localPathIsValid('/_local/exports/a/b.csv', e, s, 'secret-secret-secret', now)).toBe(true);
    expect(localPathIsValid('/_local/exports/a/c.csv', e, s, 'secret-secret-secret', now)).toBe(false);
    expect(localPathIsValid('/_local/exports/a/b.csv', String(expires + 1), s, 'secret-secret-secret', now)).toBe(false);
    expect(localPathIsValid('/_local/exports/a/b.csv', e, s, 'another-secret-here', now)).toBe(false);
    expect(localPathIsValid('/_local/exports/a/b.csv', e, s, 'secret-secret-secret', now + 301_000)).toBe(false);
    expect(localPathIsValid('/_local/exports/a/b.csv', null, s, 'secret-secret-secret', now)).toBe(false);
  });
});
