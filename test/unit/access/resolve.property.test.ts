import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reachOf } from '../../../domain/access/reach';
import { compilePerson, decide } from '../../../domain/access/resolve';
import { ASKED_CODES, GHOST_NODE, SUBJECTS, timeArb, worldArb } from '../../fixtures/access-arbitraries';
import { referenceDecide } from './reference-model';

const subjects = [undefined, ...SUBJECTS];

describe('decide (property)', () => {
  it('agrees with the naive reference model for every person, permission, node and subject', () => {
    fc.assert(
      fc.property(worldArb, timeArb, fc.boolean(), (world, nowIso, mfa) => {
        const now = new Date(nowIso);
        const nodeIds = [...world.nodes.map((n) => n.id), GHOST_NODE];
        for (const person of world.people) {
          const compiled = compilePerson(person, world.rolesMap, world.tree);
          for (const permission of ASKED_CODES) {
            for (const nodeId of nodeIds) {
              for (const subjectId of subjects) {
                const expected = referenceDecide(world, person, { permission, nodeId, subjectId, mfa, now: nowIso });
                const input = { tree: world.tree, roles: world.rolesMap, permission, nodeId, subjectId, mfa, now };
                expect(decide({ ...input, person: compiled })).toEqual(expected);
              }
            }
          }
          // The uncompiled path must give the same answers (spot check one question per permission, some about a pupil).
          for (const permission of ASKED_CODES) {
            const nodeId = nodeIds[permission.length % nodeIds.length]!;
            const subjectId = subjects[permission.length % subjects.length];
            expect(decide({ tree: world.tree, roles: world.rolesMap, person, permission, nodeId, subjectId, mfa, now })).toEqual(
              referenceDecide(world, person, { permission, nodeId, subjectId, mfa, now: nowIso }),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('reachOf (property)', () => {
  it('is exactly the set of nodes where decide grants, asked without a subject', () => {
    fc.assert(
      fc.property(worldArb, timeArb, fc.boolean(), (world, nowIso, mfa) => {
        const now = new Date(nowIso);
        for (const person of world.people) {
          for (const permission of ASKED_CODES) {
            const reach = reachOf({ tree: world.tree, roles: world.rolesMap, person, permission, mfa, now });
            const granted = world.nodes
              .map((n) => n.id)
              .filter((nodeId) => decide({ tree: world.tree, roles: world.rolesMap, person, permission, nodeId, mfa, now }).allowed);
            expect([...reach].sort()).toEqual(granted.sort());
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
