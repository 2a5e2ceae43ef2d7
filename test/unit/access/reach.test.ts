import { describe, expect, it } from 'vitest';
import { canSee, reachOf, Reach } from '../../../domain/access/reach';
import { compilePerson, type Person } from '../../../domain/access/resolve';
import { presetIds } from '../../../domain/access/roles';
import { FUTURE, NOW, PAST, holder, makeAssignment, makeMembership, makePerson, makeRoles, makeTree } from '../../fixtures/access';

const tree = makeTree();
const roles = makeRoles();
const reach = (person: Person, permission = 'users.view', mfa = false) => reachOf({ tree, roles, person, permission, mfa, now: NOW });
const sorted = (set: Set<string>) => [...set].sort();
const placedAt = (nodeId: string) => ({ memberships: [makeMembership({ nodeId })], assignments: [] });

describe('reachOf', () => {
  it('gives a cluster admin the cluster, its sub-clusters and their schools', () => {
    expect(sorted(reach(holder(presetIds.clusterAdministrator, 'north')))).toEqual(['north', 'north-school', 'north-sub', 'sub-school']);
  });

  it('never gives a cluster admin a node of another cluster or the trust root', () => {
    const nodes = reach(holder(presetIds.clusterAdministrator, 'north'));
    for (const outside of ['trust', 'south', 'south-school', 'central-school']) expect(nodes.has(outside), outside).toBe(false);
  });

  it('gives a trust-root holder the whole tree', () => {
    expect(sorted(reach(holder(presetIds.trustAdmin, 'trust')))).toEqual([...tree.nodes.keys()].sort());
  });

  it('joins the subtrees of several assignments', () => {
    const person = makePerson({
      assignments: [
        makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'south-school' }),
        makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-sub' }),
      ],
    });
    expect(sorted(reach(person))).toEqual(['north-sub', 'south-school', 'sub-school']);
  });

  it('leaves out assignments that are expired, not yet valid, or whose role lacks the permission', () => {
    const person = makePerson({
      assignments: [
        makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north', validUntil: PAST }),
        makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'south', validFrom: FUTURE }),
        makeAssignment({ roleId: presetIds.staff, nodeId: 'trust' }),
      ],
    });
    expect(sorted(reach(person))).toEqual([]);
  });

  it('is empty without 2FA for a requiresMfa permission and full with it', () => {
    const dsl = holder(presetIds.designatedSafeguardingLead, 'north-school');
    expect(sorted(reach(dsl, 'safeguarding.child_protection.view', false))).toEqual([]);
    expect(sorted(reach(dsl, 'safeguarding.child_protection.view', true))).toEqual(['north-school']);
  });

  it('is empty for an inactive person and for an unknown permission', () => {
    expect(reach(holder(presetIds.trustAdmin, 'trust', { status: 'inactive' })).size).toBe(0);
    expect(reach(holder(presetIds.trustAdmin, 'trust'), 'users.fly').size).toBe(0);
  });

  it('accepts a compiled person', () => {
    const person = holder(presetIds.clusterAdministrator, 'north');
    expect(sorted(reachOf({ tree, roles, person: compilePerson(person, roles, tree), permission: 'users.view', mfa: false, now: NOW }))).toEqual(sorted(reach(person)));
  });

  it('remembers the trust root', () => {
    expect(reach(makePerson()).rootId).toBe('trust');
  });
});

describe('canSee', () => {
  const clusterAdmin = reach(holder(presetIds.clusterAdministrator, 'north'));
  const trustAdmin = reach(holder(presetIds.trustAdmin, 'trust'));

  it('shows a cluster admin the staff of their cluster and its sub-clusters', () => {
    expect(canSee(clusterAdmin, placedAt('north'))).toBe(true);
    expect(canSee(clusterAdmin, placedAt('sub-school'))).toBe(true);
  });

  it('never shows a cluster admin a user elsewhere', () => {
    expect(canSee(clusterAdmin, placedAt('south-school'))).toBe(false);
    expect(canSee(clusterAdmin, placedAt('trust'))).toBe(false);
  });

  it('sees someone placed both inside and outside the reach', () => {
    const target = { memberships: [makeMembership({ nodeId: 'south-school' })], assignments: [makeAssignment({ roleId: presetIds.staff, nodeId: 'north-school' })] };
    expect(canSee(clusterAdmin, target)).toBe(true);
  });

  it('places people by their role assignments as well as their memberships', () => {
    expect(canSee(clusterAdmin, { memberships: [], assignments: [{ nodeId: 'north-sub' }] })).toBe(true);
    expect(canSee(clusterAdmin, { memberships: [], assignments: [{ nodeId: 'trust' }] })).toBe(false);
  });

  it('shows someone placed nowhere only to holders of the permission at the trust root', () => {
    const nowhere = { memberships: [], assignments: [] };
    expect(canSee(trustAdmin, nowhere)).toBe(true);
    expect(canSee(clusterAdmin, nowhere)).toBe(false);
    expect(canSee(new Reach('trust'), nowhere)).toBe(false);
  });

  it('shows nothing to an empty reach', () => {
    expect(canSee(new Reach('trust'), placedAt('north'))).toBe(false);
  });
});
