import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePerson, decide, type Person } from '../../../domain/access/resolve';
import { rolesById } from '../../../domain/access/roles';
import {
  ASKED_CODES,
  GHOST_NODE,
  SUBJECTS,
  TIMES,
  rolesArb,
  toAssignment,
  treeArb,
  worldArb,
  type AssignmentSpec,
  type GeneratedWorld,
} from '../../fixtures/access-arbitraries';
import { referenceDecide } from './reference-model';

/**
 * A compiled person keeps the answers it works out (see CompiledPerson), so
 * these properties ask one compiled person everything, at several times in
 * any order, including times exactly on, just before and just after the
 * assignments' bounds, and hold every answer to the reference model.
 */

const subjects = [undefined, ...SUBJECTS];
/** The bounds themselves (TIMES), instants just around them, and times between, before and after them all. */
const ASKED_TIMES = [
  ...TIMES,
  ...TIMES.map((time) => new Date(Date.parse(time) - 1).toISOString()),
  ...TIMES.map((time) => new Date(Date.parse(time) + 1).toISOString()),
  '2024-06-01T00:00:00.000Z',
  '2025-01-15T00:00:00.000Z',
  '2025-03-15T00:00:00.000Z',
  '2025-09-01T00:00:00.000Z',
];
const timesArb = fc.array(fc.constantFrom(...ASKED_TIMES), { minLength: 1, maxLength: 5 });

function expectAgreesWithReference(world: GeneratedWorld, person: Person, times: string[], mfa: boolean) {
  const compiled = compilePerson(person, world.rolesMap, world.tree);
  const nodeIds = [...world.nodes.map((n) => n.id), GHOST_NODE];
  for (const nowIso of times) {
    const now = new Date(nowIso);
    for (const permission of ASKED_CODES) {
      for (const nodeId of nodeIds) {
        for (const subjectId of subjects) {
          const expected = referenceDecide(world, person, { permission, nodeId, subjectId, mfa, now: nowIso });
          const actual = decide({ tree: world.tree, roles: world.rolesMap, person: compiled, permission, nodeId, subjectId, mfa, now });
          expect(actual, JSON.stringify({ person: person.id, nowIso, permission, nodeId, subjectId, mfa })).toEqual(expected);
        }
      }
    }
  }
}

/** People with up to 14 assignments, so many hold assignments at more than four nodes. */
const crowdedWorldArb: fc.Arbitrary<GeneratedWorld> = fc
  .record({
    tree: treeArb,
    roles: rolesArb,
    people: fc.array(
      fc.uniqueArray(
        fc.record({
          idNum: fc.nat(60),
          role: fc.nat(100),
          node: fc.nat(100),
          validFrom: fc.option(fc.constantFrom(...TIMES), { nil: undefined }),
          validUntil: fc.option(fc.constantFrom(...TIMES), { nil: undefined }),
        }),
        { selector: (spec) => spec.idNum, minLength: 5, maxLength: 14 },
      ),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .map(({ tree: { tree, nodes }, roles, people }) => ({
    tree,
    nodes,
    roles,
    rolesMap: rolesById(roles),
    people: people.map(
      (specs, i): Person => ({
        id: `p${i}`,
        status: 'active',
        userType: i === 0 ? 'staff' : 'parent',
        mfaEnabled: false,
        assignments: specs.map((spec: AssignmentSpec) => toAssignment(spec, roles, nodes)),
        memberships: [],
        blocks: [{ subjectId: SUBJECTS[0]!, schoolId: nodes.at(-1)!.id }],
        children: [{ subjectId: SUBJECTS[1]!, schoolId: nodes.at(-1)!.id }],
      }),
    ),
  }));

describe('decide on a compiled person asked again and again (property)', () => {
  it('agrees with the reference model at every time, in any order, for every person, permission, node and subject', () => {
    fc.assert(
      fc.property(worldArb, timesArb, fc.boolean(), (world, times, mfa) => {
        for (const person of world.people) expectAgreesWithReference(world, person, times, mfa);
      }),
      { numRuns: 120 },
    );
  });

  it('agrees with the reference model for people with assignments at many nodes', () => {
    fc.assert(
      fc.property(crowdedWorldArb, timesArb, fc.boolean(), (world, times, mfa) => {
        for (const person of world.people) expectAgreesWithReference(world, person, times, mfa);
      }),
      { numRuns: 120 },
    );
  });
});
