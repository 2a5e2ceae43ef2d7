import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canSee, Reach } from '../../../domain/access/reach';
import { parseRolesCell, parseSchoolsCell } from '../../../domain/directory/csv-format';
import { subtreeIds } from '../../../domain/org/tree';
import type { Cell, ReportPerson, ReportResult } from '../../../domain/reports/model';
import {
  accessReviewReport, dormantAccountsReport, expiringAccessReport, lockedAccountsReport, managersReport, sensitiveAccessReport, usersReport,
} from '../../../domain/reports/reports';
import { TIMES, worldArb } from '../../fixtures/access-arbitraries';

/**
 * Over random trusts (dangling nodes and roles included), random reaches
 * (unions of subtrees, with or without the root) and any nodeId: no report
 * row names a person the scope cannot see or a node outside reach ∩ subtree,
 * and access-review loses no assignment that is inside it.
 */
const caseArb = worldArb.chain((world) =>
  fc.record({
    world: fc.constant(world),
    reachRoots: fc.subarray(world.nodes.map((n) => n.id)),
    nodeId: fc.constantFrom(...world.nodes.map((n) => n.id)),
    now: fc.constantFrom(...TIMES),
    managers: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  }),
);

const rowsOf = (result: ReportResult) =>
  result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column, row[i]])) as Record<string, Cell>);

describe('reports and the reach (property)', () => {
  it('never show a person or node outside reach ∩ nodeId subtree', () => {
    fc.assert(
      fc.property(caseArb, ({ world, reachRoots, nodeId, now: nowIso, managers }) => {
        const { tree } = world;
        const reach = new Reach(tree.rootId, reachRoots.flatMap((id) => [...subtreeIds(tree, id)]));
        const scope = new Set([...subtreeIds(tree, nodeId)].filter((id) => reach.has(id)));
        const scopeReach = new Reach(tree.rootId, scope);
        const people: ReportPerson[] = world.people.map((person, i) => ({
          ...person,
          memberships: person.memberships.map((m) => ({ ...m, isManager: managers[i] ?? false, since: '2024-01-01T00:00:00.000Z' })),
          firstName: `F${i}`,
          lastName: `L${i}`,
          email: `${person.id}@example.org`,
          source: 'manual',
          edited: false,
          createdAt: '2023-01-01T00:00:00.000Z',
          ...(person.status === 'locked' ? { lockedAt: '2024-01-01T00:00:00.000Z' } : {}),
        }));
        const visible = new Set(people.filter((p) => canSee(scopeReach, p)).map((p) => p.id));
        const data = { tree, roles: world.rolesMap, people };
        const params = { nodeId, format: 'json' as const };
        const now = new Date(nowIso);
        const results = [
          usersReport(data, params, reach, now),
          accessReviewReport({ ...data, grants: [] }, params, reach, now),
          sensitiveAccessReport(data, params, reach, now),
          expiringAccessReport(data, { ...params, withinDays: 365 }, reach, now),
          dormantAccountsReport(data, { ...params, days: 1 }, reach, now),
          lockedAccountsReport(data, params, reach, now),
          managersReport(data, params, reach, now),
        ];
        for (const result of results) {
          for (const row of rowsOf(result)) {
            const personId = row.userId ?? row.id;
            if (personId !== undefined && result !== results[6]) expect(visible).toContain(personId);
            if (row.nodeId !== undefined) expect(scope).toContain(row.nodeId);
          }
        }
        // The users cells name only nodes in scope (node names are their ids here).
        for (const row of rowsOf(results[0]!)) {
          const roles = parseRolesCell(String(row.roles));
          if (roles.kind === 'set') for (const r of roles.items) expect(scope).toContain(r.nodeName);
          const schools = parseSchoolsCell(String(row.schools));
          if (schools.kind === 'set') for (const s of schools.items) expect(scope).toContain(s);
        }
        // access-review keeps every assignment of a visible person at a node in scope.
        const expected = people.filter((p) => visible.has(p.id)).flatMap((p) => p.assignments.filter((a) => scope.has(a.nodeId)));
        expect(results[1]!.rows).toHaveLength(expected.length);
        // managers: one row per school in scope.
        expect(results[6]!.rows).toHaveLength([...scope].filter((id) => tree.nodes.get(id)?.kind === 'school').length);
      }),
      { numRuns: 300 },
    );
  });
});
