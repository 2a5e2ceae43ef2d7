import { describe, expect, it } from 'vitest';
import { checkMove, type CheckMoveInput } from '../../../domain/access/delegation';
import { presetIds } from '../../../domain/access/roles';
import { gainedAncestors } from '../../../domain/org/tree';
import type { Person } from '../../../domain/access/resolve';
import { NOW, holder, makeAssignment, makePerson, makeRole, makeRoles, makeTree, forbiddenCode } from '../../fixtures/access';

const tree = makeTree();
const helper = makeRole({ id: 'role-helper', permissions: ['users.view'] });
const cpViewer = makeRole({ id: 'role-cp-viewer', permissions: ['safeguarding.child_protection.view'] });
const empty = makeRole({ id: 'role-empty', permissions: ['legacy.retired_code'] });
const roles = makeRoles(helper, cpViewer, empty);

/** A Cluster Administrator of North who is also one of South (org.manage at both ends of a move between them). */
const twoClusters = makePerson({
  id: 'mover',
  assignments: [
    makeAssignment({ roleId: presetIds.clusterAdministrator, nodeId: 'north' }),
    makeAssignment({ roleId: presetIds.clusterAdministrator, nodeId: 'south' }),
  ],
});
const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });

function move(caller: Person, gained: CheckMoveInput['gained'], overrides: Partial<CheckMoveInput> = {}) {
  return () => checkMove({ tree, roles, caller, callerMfa: false, now: NOW, nodeId: 'north-school', gained, ...overrides });
}


describe('gainedAncestors', () => {
  it('lists the nodes on the new path to the root that are not on the current one', () => {
    expect(gainedAncestors(tree, 'north-school', 'south')).toEqual(['south']);
    expect(gainedAncestors(tree, 'north-school', 'north-sub')).toEqual(['north-sub']);
    expect(gainedAncestors(tree, 'sub-school', 'trust')).toEqual([]);
  });
});

describe('checkMove', () => {
  it('refuses a cluster admin moving a school under a cluster where someone holds a role it could not grant (escalation)', () => {
    const gained = [{ roleId: presetIds.curriculumAdministrator, nodeId: 'south' }];
    expect(forbiddenCode(move(twoClusters, gained))).toBe('escalation');
  });

  it('lets the same cluster admin move it when every role gained is one it could hand out there', () => {
    const gained = [
      { roleId: presetIds.clusterAdministrator, nodeId: 'south' },
      { roleId: presetIds.teacher, nodeId: 'south' },
      { roleId: helper.id, nodeId: 'south' },
    ];
    expect(forbiddenCode(move(twoClusters, gained))).toBeUndefined();
  });

  it('lets a trust admin move it under the same cluster', () => {
    expect(forbiddenCode(move(trustAdmin, [{ roleId: presetIds.curriculumAdministrator, nodeId: 'south' }]))).toBeUndefined();
  });

  it('refuses a caller without roles.assign at the moved node as soon as anyone gains a role', () => {
    const estates = makeRole({ id: 'role-estates', permissions: ['org.manage', 'users.view'] });
    const caller = holder(estates.id, 'trust');
    const withEstates = makeRoles(helper, estates);
    expect(forbiddenCode(move(caller, [{ roleId: helper.id, nodeId: 'south' }], { roles: withEstates }))).toBe('escalation');
    expect(forbiddenCode(move(caller, [], { roles: withEstates }))).toBeUndefined();
  });

  it('asks for 2FA before a sensitive role is gained, and allows it in a 2FA session for a caller holding it', () => {
    const caller = makePerson({ assignments: [makeAssignment({ roleId: presetIds.trustAdmin, nodeId: 'trust' })] });
    const gained = [{ roleId: cpViewer.id, nodeId: 'south' }];
    expect(forbiddenCode(move(caller, gained))).toBe('mfa_required');
    expect(forbiddenCode(move(caller, gained, { callerMfa: true }))).toBeUndefined();
  });

  it('ignores roles that no longer exist or confer nothing', () => {
    expect(forbiddenCode(move(twoClusters, [{ roleId: 'role-deleted', nodeId: 'south' }, { roleId: empty.id, nodeId: 'south' }]))).toBeUndefined();
  });
});

describe('checkMove and time', () => {
  it('refuses a move whose gained assignments outlast the mover\'s authority at the node', () => {
    const acting = makePerson({
      id: 'acting',
      assignments: [
        makeAssignment({ roleId: presetIds.clusterAdministrator, nodeId: 'north', validUntil: '2025-03-07T17:00:00.000Z' }),
        makeAssignment({ roleId: presetIds.clusterAdministrator, nodeId: 'south', validUntil: '2025-03-07T17:00:00.000Z' }),
      ],
    });
    expect(forbiddenCode(move(acting, [{ roleId: helper.id, nodeId: 'south' }]))).toBe('escalation');
    expect(forbiddenCode(move(acting, [{ roleId: helper.id, nodeId: 'south', validUntil: '2025-03-07T17:00:00.000Z' }]))).toBeUndefined();
    expect(forbiddenCode(move(twoClusters, [{ roleId: helper.id, nodeId: 'south' }]))).toBeUndefined();
  });
});
