import { describe, expect, it } from 'vitest';
import { isAdminHolding, latestEnd, pickWitness } from '../../../domain/access/last-admin';
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
    expect(pickWitness({ candidates: [run, ta], roles, lastsUntil: Infinity })).toEqual({ userId: 'a', assignmentId: 'a1', roleId: presetIds.trustAdmin });
    expect(pickWitness({ candidates: [run], roles, lastsUntil: Infinity })).toEqual({ userId: 'b', assignmentId: 'b1', roleId: 'runner', roleVersion: 4 });
  });

  it('never names what the change takes away, and answers 409 last_admin when nothing else is left', () => {
    expect(pickWitness({ candidates: [ta, run], roles, lastsUntil: Infinity, excludedUsers: new Set(['a']) }).userId).toBe('b');
    expect(pickWitness({ candidates: [ta, run], roles, lastsUntil: Infinity, excludedAssignments: new Set(['a1']) }).userId).toBe('b');
    expect(() => pickWitness({ candidates: [ta, run], roles, lastsUntil: Infinity, excludedUsers: new Set(['a']), excludedRoles: new Set(['runner']) })).toThrow(
      expect.objectContaining({ code: 'last_admin' }),
    );
    expect(() => pickWitness({ candidates: [], roles, lastsUntil: Infinity })).toThrow(expect.objectContaining({ code: 'last_admin' }));
  });

  it('takes only a witness lasting at least as long as what is taken away (review I, I4)', () => {
    const acting = { userId: 'c', assignment: makeAssignment({ id: 'c1', roleId: presetIds.trustAdmin, nodeId: ROOT, validUntil: FUTURE }) };
    const longer = { userId: 'd', assignment: makeAssignment({ id: 'd1', roleId: 'runner', nodeId: ROOT, validUntil: '2025-09-01T00:00:00.000Z' }) };
    const lastAdmin = expect.objectContaining({ code: 'last_admin' });
    // A permanent holding taken away: an acting admin is no witness, however preset its role, and alone it is 409.
    expect(() => pickWitness({ candidates: [acting], roles, lastsUntil: latestEnd([ta.assignment]) })).toThrow(lastAdmin);
    expect(() => pickWitness({ candidates: [acting, longer], roles, lastsUntil: Infinity })).toThrow(lastAdmin);
    expect(pickWitness({ candidates: [acting, run], roles, lastsUntil: Infinity }).userId).toBe('b');
    // A holding ending on the same day or earlier: the acting admin will do (the caller first, a preset first).
    expect(pickWitness({ candidates: [acting, longer], roles, lastsUntil: latestEnd([{ validUntil: FUTURE }]) }).userId).toBe('c');
    // Ending after the acting admin: only the longer holding will do.
    expect(pickWitness({ candidates: [acting, longer], roles, lastsUntil: Date.parse('2025-07-01T00:00:00.000Z') }).userId).toBe('d');
  });

  it('takes as the end to outlast the latest of the holdings taken away', () => {
    expect(latestEnd([{ validUntil: PAST }, { validUntil: FUTURE }])).toBe(Date.parse(FUTURE));
    expect(latestEnd([{ validUntil: FUTURE }, {}])).toBe(Infinity);
  });
});
