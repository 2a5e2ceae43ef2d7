import { describe, expect, it } from 'vitest';
import { Reach } from '../../../domain/access/reach';
import { DirectoryIndex, SORT_FIELDS, type DirectoryEntry, type SortField } from '../../../domain/directory/directory-index';
import { directorySummary, holdingsAfter, normaliseSearch, SUMMARY_DETAIL_MAX_ROLES } from '../../../domain/directory/summary';

describe('normaliseSearch', () => {
  it('drops accents and case and collapses white space', () => {
    expect(normaliseSearch('Zoë')).toBe('zoe');
    expect(normaliseSearch('  ÅNGSTRÖM  ')).toBe('angstrom');
    expect(normaliseSearch('José\tMaría  Núñez')).toBe('jose maria nunez');
    expect(normaliseSearch('Çelik-Öztürk')).toBe('celik-ozturk');
  });
});

describe('directorySummary', () => {
  it('lists every node of memberships and roles once, the primary membership with its job title, and the roles', () => {
    const summary = directorySummary({
      memberships: [
        { nodeId: 'b', primary: false, isManager: false },
        { nodeId: 'a', primary: true, isManager: false, jobTitle: 'Head of Maths' },
      ],
      assignments: [
        { id: '1', roleId: 'teacher', nodeId: 'a' },
        { id: '2', roleId: 'admin', nodeId: 'c', validUntil: '2027-08-01T00:00:00.000Z' },
      ],
    });
    expect(summary).toEqual({
      nodeIds: ['a', 'b', 'c'], memberOf: ['a', 'b'], primaryNodeId: 'a', jobTitle: 'Head of Maths',
      roles: [{ id: '2', roleId: 'admin', nodeId: 'c', validUntil: '2027-08-01T00:00:00.000Z' }, { id: '1', roleId: 'teacher', nodeId: 'a' }],
    });
  });

  it('describes each role in full with its grant stamp, leaving out a stamp it was not given', () => {
    const summary = directorySummary({
      memberships: [],
      assignments: [
        { id: '1', roleId: 'teacher', nodeId: 'a', validFrom: '2026-09-01T00:00:00.000Z' },
        { id: '2', roleId: 'staff', nodeId: 'a' },
        { id: '3', roleId: 'parent', nodeId: 'a' },
      ],
      grants: new Map([
        ['1', { grantRecord: 'recorded', grantedBy: 'nora', grantedAt: '2026-08-01T09:00:00.000Z' }],
        ['2', { grantRecord: 'missing' }],
      ]),
    });
    expect(summary.roles).toEqual([
      { id: '3', roleId: 'parent', nodeId: 'a' },
      { id: '2', roleId: 'staff', nodeId: 'a', grantRecord: 'missing' },
      { id: '1', roleId: 'teacher', nodeId: 'a', validFrom: '2026-09-01T00:00:00.000Z', grantRecord: 'recorded', grantedBy: 'nora', grantedAt: '2026-08-01T09:00:00.000Z' },
    ]);
  });

  it('falls back to the short form for every role of a person holding more than SUMMARY_DETAIL_MAX_ROLES, so the profile stays bounded per role', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, roleId: 'teacher', nodeId: `n${String(i).padStart(4, '0')}`, validFrom: '2026-01-01T00:00:00.000Z' }));
    const grants = new Map(many(SUMMARY_DETAIL_MAX_ROLES + 1).map((a) => [a.id, { grantRecord: 'recorded' as const, grantedBy: 'x', grantedAt: '2026-01-01T00:00:00.000Z' }]));
    const atMax = directorySummary({ memberships: [], assignments: many(SUMMARY_DETAIL_MAX_ROLES), grants });
    expect(atMax.roles.every((r) => r.id !== undefined && r.grantRecord === 'recorded')).toBe(true);
    const over = directorySummary({ memberships: [], assignments: many(SUMMARY_DETAIL_MAX_ROLES + 1), grants });
    expect(over.roles).toHaveLength(SUMMARY_DETAIL_MAX_ROLES + 1);
    expect(over.roles.every((r) => Object.keys(r).sort().join() === 'nodeId,roleId')).toBe(true);
    // The full form's worst case stays far inside DynamoDB's 400 KB item (UUIDs, ISO times, both validity ends).
    const uuid = '123e4567-e89b-12d3-a456-426614174000';
    const time = '2026-01-01T00:00:00.000Z';
    const worst = directorySummary({
      memberships: [],
      assignments: Array.from({ length: SUMMARY_DETAIL_MAX_ROLES }, () => ({ id: uuid, roleId: uuid, nodeId: uuid, validFrom: time, validUntil: time })),
      grants: new Map([[uuid, { grantRecord: 'backfilled', grantedBy: uuid, grantedAt: time }]]),
    });
    expect(JSON.stringify(worst.roles).length).toBeLessThan(40_000);
  });

  it('has no primary node for a person placed nowhere', () => {
    expect(directorySummary({ memberships: [], assignments: [] })).toEqual({ nodeIds: [], memberOf: [], primaryNodeId: null, roles: [] });
  });
});

describe('holdingsAfter', () => {
  it('applies membership and assignment changes and ignores the rest', () => {
    const after = holdingsAfter(
      { memberships: [{ nodeId: 'a', primary: true, isManager: false }], assignments: [{ id: '1', roleId: 'r', nodeId: 'a' }] },
      [
        { type: 'putMembership', membership: { nodeId: 'b', primary: true, isManager: false } },
        { type: 'putMembership', membership: { nodeId: 'a', primary: false, isManager: false } },
        { type: 'deleteAssignment', assignment: { id: '1' } },
        { type: 'putAssignment', assignment: { id: '2', roleId: 's', nodeId: 'b' } },
        { type: 'putBlock' },
      ],
    );
    expect(directorySummary(after)).toEqual({ nodeIds: ['a', 'b'], memberOf: ['b', 'a'], primaryNodeId: 'b', roles: [{ id: '2', roleId: 's', nodeId: 'b' }] });
  });

  it('carries the stamps it had and adds those of the assignments put', () => {
    const after = holdingsAfter(
      { memberships: [], assignments: [{ id: '1', roleId: 'r', nodeId: 'a' }], grants: new Map([['1', { grantRecord: 'backfilled', grantedBy: 'old', grantedAt: '2020-01-01T00:00:00.000Z' }]]) },
      [{ type: 'putAssignment', assignment: { id: '2', roleId: 's', nodeId: 'a' } }],
      new Map([['2', { grantRecord: 'recorded', grantedBy: 'new', grantedAt: '2026-01-01T00:00:00.000Z' }]]),
    );
    expect(directorySummary(after).roles).toEqual([
      { id: '1', roleId: 'r', nodeId: 'a', grantRecord: 'backfilled', grantedBy: 'old', grantedAt: '2020-01-01T00:00:00.000Z' },
      { id: '2', roleId: 's', nodeId: 'a', grantRecord: 'recorded', grantedBy: 'new', grantedAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });
});

const entry = (id: string, overrides: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  id, firstName: 'F', lastName: 'L', email: `${id}@x.example`, userType: 'staff', status: 'active', source: 'manual', edited: false,
  mfaEnabled: false, primaryNodeId: 'school', nodeIds: ['school'], memberOf: ['school'], roles: [], updatedAt: '2026-01-01T00:00:00.000Z', version: 1,
  changedAt: '2026-01-01T00:00:00.000Z', ...overrides,
});

const everywhere = new Reach('root', ['root', 'school', 'other']);

function pages(index: DirectoryIndex, sort: SortField, order: 'asc' | 'desc', limit: number, reach = everywhere): string[] {
  const seen: string[] = [];
  let after: string[] | undefined;
  for (;;) {
    const page = index.page({ reach, filters: {}, sort, order, after, limit });
    seen.push(...page.items.map((e) => e.id));
    if (!page.nextKey) return seen;
    after = page.nextKey;
  }
}

describe('DirectoryIndex', () => {
  const names = ['Ömer Young', 'ada Lovelace', 'Zoë Able', 'Bob Lovelace', 'Ada Lovelace', 'Émile Zola', 'Carl Young'];
  const build = () => {
    const index = new DirectoryIndex();
    names.forEach((name, i) => {
      const [firstName, lastName] = name.split(' ') as [string, string];
      index.upsert(entry(`id${i}`, { firstName, lastName, updatedAt: `2026-01-0${(i % 3) + 1}T00:00:00.000Z`, lastSignInAt: i % 2 ? `2026-02-0${i}T00:00:00.000Z` : undefined }));
    });
    return index;
  };

  it('pages every sort in both orders in the same order as one big page, each person once', () => {
    const index = build();
    for (const sort of SORT_FIELDS) {
      for (const order of ['asc', 'desc'] as const) {
        const whole = index.page({ reach: everywhere, filters: {}, sort, order, limit: 100 }).items.map((e) => e.id);
        expect(whole).toHaveLength(names.length);
        for (const limit of [1, 2, 3]) expect(pages(index, sort, order, limit), `${sort} ${order} ${limit}`).toEqual(whole);
        const reversed = index.page({ reach: everywhere, filters: {}, sort, order: order === 'asc' ? 'desc' : 'asc', limit: 100 }).items.map((e) => e.id);
        expect(reversed).toEqual([...whole].reverse());
      }
    }
  });

  it('sorts last names accent-insensitively, then first names, then ids', () => {
    const index = build();
    const order = index.page({ reach: everywhere, filters: {}, sort: 'lastName', order: 'asc', limit: 100 }).items.map((e) => `${e.firstName} ${e.lastName}`);
    expect(order).toEqual(['Zoë Able', 'ada Lovelace', 'Ada Lovelace', 'Bob Lovelace', 'Carl Young', 'Ömer Young', 'Émile Zola']);
  });

  it('keeps each sorted order right as entries change, and ignores an older copy', () => {
    const index = build();
    pages(index, 'lastName', 'asc', 100); // builds the sorted array, which then has to be maintained
    index.upsert(entry('id2', { firstName: 'Zoë', lastName: 'Zz', changedAt: '2026-03-01T00:00:00.000Z' }));
    index.upsert(entry('id2', { firstName: 'Zoë', lastName: 'Aa', changedAt: '2026-02-01T00:00:00.000Z' }));
    index.upsert(entry('new', { firstName: 'Nina', lastName: 'Moss', changedAt: '2026-03-01T00:00:00.000Z' }));
    const order = index.page({ reach: everywhere, filters: {}, sort: 'lastName', order: 'asc', limit: 100 }).items.map((e) => e.lastName);
    expect(order).toEqual(['Lovelace', 'Lovelace', 'Lovelace', 'Moss', 'Young', 'Young', 'Zola', 'Zz']);
    expect(index.size).toBe(names.length + 1);
  });

  it('never repeats or skips a person present throughout, whatever is added between pages', () => {
    const index = build();
    const seen: string[] = [];
    let after: string[] | undefined;
    let round = 0;
    for (;;) {
      const page = index.page({ reach: everywhere, filters: {}, sort: 'lastName', order: 'asc', after, limit: 2 });
      seen.push(...page.items.map((e) => e.id));
      if (!page.nextKey) break;
      after = page.nextKey;
      for (const lastName of ['Aaa', 'Mmm', 'Zzz']) index.upsert(entry(`n${round}${lastName}`, { lastName }));
      round++;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 0; i < names.length; i++) expect(seen).toContain(`id${i}`);
  });

  it('counts and shows only people in the reach; people placed nowhere only to a holder at the root', () => {
    const index = new DirectoryIndex();
    index.upsert(entry('here', { nodeIds: ['school'] }));
    index.upsert(entry('there', { nodeIds: ['other'] }));
    index.upsert(entry('nowhere', { nodeIds: [] }));
    const school = index.page({ reach: new Reach('root', ['school']), filters: {}, sort: 'lastName', order: 'asc', limit: 1 });
    expect(school.items.map((e) => e.id)).toEqual(['here']);
    expect(school.total).toBe(1);
    expect(school.nextKey).toBeNull();
    expect(index.page({ reach: everywhere, filters: {}, sort: 'email', order: 'asc', limit: 10 }).total).toBe(3);
  });

  it('matches q at the start of first name, last name, full name or email, and hides inactive people unless asked', () => {
    const index = new DirectoryIndex();
    index.upsert(entry('zoe', { firstName: 'Zoë', lastName: 'Ångström', email: 'z.angstrom@school.example' }));
    index.upsert(entry('gone', { firstName: 'Zora', lastName: 'Gone', status: 'inactive' }));
    const q = (text: string, extra = {}) => index.page({ reach: everywhere, filters: { q: text, ...extra }, sort: 'lastName', order: 'asc', limit: 10 }).items.map((e) => e.id);
    expect(q('zoe')).toEqual(['zoe']);
    expect(q('ANG')).toEqual(['zoe']);
    expect(q('zoe angs')).toEqual(['zoe']);
    expect(q('z.angstrom@school.example')).toEqual(['zoe']);
    expect(q('ngstrom')).toEqual([]);
    expect(q('zo')).toEqual(['zoe']);
    expect(q('zo', { includeInactive: true })).toEqual(['zoe', 'gone']); // angstrom before gone
    expect(q('zo', { status: 'inactive' })).toEqual(['gone']);
  });
});
