import { describe, expect, it } from 'vitest';
import { isAdminHolding, pickWitness } from '../../../domain/access/last-admin';
import { presetIds } from '../../../domain/access/roles';
import { makeAssignment, makeRole, makeRoles, NOW, PAST, FUTURE } from '../../fixtures/access';

const ROOT = 'root';
const roles = makeRoles(makeRole({ id: 'runner', permissions: ['org.manage', 'users.view'], version: 4 }), makeRole({ id: 'viewer', permissions: ['users.view'] }));

describe('isAdminHolding', () => {
  it('counts a role carrying org.manage at the trust root, valid now', () => {
    expect(isAdminHolding(makeAssignment({ roleId: presetIds.trustAdmin, nodeId: ROOT }), roles, ROOT, NOW)).toBe(true);
    expect(isAdminHolding(makeAssignment({ roleId: 'runner', nodeId: ROOT, validFrom: PAST, validUntil: FUTURE }), roles, ROOT, NOW)).toBe(true);
  });

  it('does not count a holding below the root, without org.manage, not yet started or expired', () => {
    expect(isAdminHolding(makeAssignment({ roleId: presetIds.clusterAdministrator, nodeId: 'north' }), roles, ROOT, NOW)).toBe(false);
    expect(isAdminHolding(makeAssignment({ roleId: 'viewer', nodeId: ROOT }), roles, ROOT, NOW)).toBe(false);
    expect(isAdminHolding(makeAssignment({ roleId: presetIds.trustAdmin, nodeId: ROOT, validFrom: FUTURE }), roles, ROOT, NOW)).toBe(false);
    expect(isAdminHolding(makeAssignment({ roleId: presetIds.trustAdmin, nodeId: ROOT, validUntil: PAST }), roles, ROOT, NOW)).toBe(false);
  });
});

describe('pickWitness', () => {
  const ta = { userId: 'a', assignment: makeAssignment({ id: 'a1', roleId: presetIds.trustAdmin, nodeId: ROOT }) };
  const run = { userId: 'b', assignment: makeAssignment({ id: 'b1', roleId: 'runner', nodeId: ROOT }) };

  it('prefers a preset holding (its definition cannot change) and pins a custom role to its version', () => {
    expect(pickWitness({ candidates: [run, ta], roles })).toEqual({ userId: 'a', assignmentId: 'a1', roleId: presetIds.trustAdmin });
    expect(pickWitness({ candidates: [run], roles })).toEqual({ userId: 'b', assignmentId: 'b1', roleId: 'runner', roleVersion: 4 });
  });

  it('never names what the change takes away, and answers 409 last_admin when nothing else is left', () => {
    expect(pickWitness({ candidates: [ta, run], roles, excludedUsers: new Set(['a']) }).userId).toBe('b');
    expect(pickWitness({ candidates: [ta, run], roles, excludedAssignments: new Set(['a1']) }).userId).toBe('b');
    expect(() => pickWitness({ candidates: [ta, run], roles, excludedUsers: new Set(['a']), excludedRoles: new Set(['runner']) })).toThrow(
      expect.objectContaining({ code: 'last_admin' }),
    );
    expect(() => pickWitness({ candidates: [], roles })).toThrow(expect.objectContaining({ code: 'last_admin' }));
  });
});
