import { describe, expect, it } from 'vitest';
import { checkAssign, checkIdentityGuard, checkMove, checkRoleEdit, dominationGap, type CheckRoleEditInput } from '../../../domain/access/delegation';
import { carriesOrgManage, isAdminHolding } from '../../../domain/access/last-admin';
import { compilePerson, decide, effectivePermissions, type Person } from '../../../domain/access/resolve';
import { buildTree } from '../../../domain/org/tree';
import { presetIds } from '../../../domain/access/roles';
import { scopesInClaim, tokenMayCall } from '../../../domain/integrations/scopes';
import { FUTURE, NOW, forbiddenCode, holder, makeAssignment, makePerson, makeRole, makeRoles, makeTree } from '../../fixtures/access';

/**
 * Rules of the access core that the suite did not pin down until a mutation
 * review (task N3, December 2026) changed the code one small step at a time
 * and found the change unnoticed. Each test names what it guards against; most
 * are a wrong "yes" someone could ship without a failing test.
 */

const tree = makeTree();
const JUST_AFTER = new Date(NOW.getTime() + 1).toISOString();
const FRIDAY = '2025-03-07T17:00:00.000Z';

describe('decide on a compiled person', () => {
  const roles = makeRoles();

  it('is worked out again against a changed tree: a cluster admin loses a school moved out of their cluster', () => {
    const clusterAdmin = holder(presetIds.clusterAdministrator, 'north', { id: 'cluster-admin' });
    const compiled = compilePerson(clusterAdmin, roles, tree);
    // North School moved under South: a new tree object, as a trust's context builds one after a move.
    const moved = buildTree('trust', 2, [...tree.nodes.values()].map((node) => (node.id === 'north-school' ? { ...node, parentId: 'south' } : node)));
    const ask = (t: typeof tree) => decide({ tree: t, roles, person: compiled, permission: 'users.view', nodeId: 'north-school', mfa: false, now: NOW });
    expect(ask(tree).reason).toBe('granted');
    expect(ask(moved).reason).toBe('no_grant');
  });

  it('keeps every school a parent is linked to a pupil at, not only the last one', () => {
    const parent = makePerson({
      id: 'parent',
      userType: 'parent',
      assignments: [makeAssignment({ roleId: presetIds.parent, nodeId: 'north-school' }), makeAssignment({ roleId: presetIds.parent, nodeId: 'south-school' })],
      children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }, { subjectId: 'pupil-1', schoolId: 'south-school' }],
    });
    const compiled = compilePerson(parent, roles, tree);
    for (const nodeId of ['north-school', 'south-school']) {
      expect(decide({ tree, roles, person: compiled, permission: 'children.view', nodeId, subjectId: 'pupil-1', mfa: false, now: NOW }).reason, nodeId).toBe('granted');
    }
  });
});

describe('the identity guard and end dates', () => {
  const roles = makeRoles();
  const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });
  const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
  const headUntil = (validUntil: string) =>
    makePerson({ id: 'head', assignments: [makeAssignment({ roleId: presetIds.headTeacher, nodeId: 'north-school', validUntil })] });
  const gap = (caller: Person, target: Person, callerMfa = true) => dominationGap({ tree, roles, caller, callerMfa, target, now: NOW });

  it('refuses a School Admin acting on a Head Teacher whose role has an end date (an acting head is still a head)', () => {
    expect(gap(schoolAdmin, headUntil(FUTURE))).toBe('outranked');
    expect(gap(schoolAdmin, headUntil(FUTURE), false)).toBe('outranked');
  });

  it('counts the head\'s role until the very instant it ends, and not from then on', () => {
    expect(gap(schoolAdmin, headUntil(JUST_AFTER))).toBe('outranked');
    expect(gap(schoolAdmin, headUntil(NOW.toISOString()))).toBeNull();
  });

  it('throws what the gap says: mfa_required without 2FA, nothing once dominated', () => {
    const head = holder(presetIds.headTeacher, 'north-school', { id: 'head' });
    const teacher = holder(presetIds.teacher, 'north-school', { id: 'teacher' });
    const guard = (caller: Person, target: Person, callerMfa: boolean) => () => checkIdentityGuard({ tree, roles, caller, callerMfa, target, now: NOW });
    expect(forbiddenCode(guard(trustAdmin, head, false))).toBe('mfa_required');
    expect(forbiddenCode(guard(trustAdmin, head, true))).toBeUndefined();
    expect(forbiddenCode(guard(schoolAdmin, teacher, false))).toBeUndefined();
    expect(forbiddenCode(guard(schoolAdmin, head, true))).toBe('outranked');
  });
});

describe('editing a role (checkRoleEdit)', () => {
  const helper = makeRole({ id: 'role-helper', permissions: ['users.view', 'classes.view'] });
  const definer = makeRole({ id: 'role-definer', permissions: ['roles.define', 'users.view'] });
  const assigner = makeRole({ id: 'role-assigner', permissions: ['roles.assign'] });
  /** Lets its holders appoint helpers, without holding what a helper holds. */
  const helperAppointer = makeRole({ id: 'role-helper-appointer', permissions: ['roles.assign'], assignableRoles: [helper.id] });
  const viewer = makeRole({ id: 'role-viewer', permissions: ['users.view'] });
  const custom = makeRole({ id: 'role-custom', permissions: ['users.view'] });
  const roles = makeRoles(helper, definer, assigner, helperAppointer, viewer, custom);
  const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
  /** roles.define and users.view at the trust, roles.assign only in North. */
  const localDefiner = makePerson({
    id: 'local-definer',
    assignments: [makeAssignment({ roleId: definer.id, nodeId: 'trust' }), makeAssignment({ roleId: assigner.id, nodeId: 'north' })],
  });

  function edit(caller: Person, before: { permissions: string[]; assignableRoles: string[] }, after: Partial<CheckRoleEditInput['after']>, overrides: Partial<CheckRoleEditInput> = {}) {
    return () =>
      checkRoleEdit({
        tree, roles, caller, callerMfa: false, now: NOW,
        before: { ...custom, ...before },
        after: { id: custom.id, ...before, ...after },
        holders: [],
        ...overrides,
      });
  }

  it('judges a role that already lists one role when it is made to list DSL as well', () => {
    const before = { permissions: ['users.view'], assignableRoles: [presetIds.teacher] };
    const after = { assignableRoles: [presetIds.teacher, presetIds.designatedSafeguardingLead] };
    expect(forbiddenCode(edit(trustAdmin, before, after))).toBe('mfa_required');
    expect(forbiddenCode(edit(localDefiner, before, after, { callerMfa: true }))).toBe('escalation');
    expect(forbiddenCode(edit(trustAdmin, before, after, { callerMfa: true }))).toBeUndefined();
  });

  it('judges only what is added: the caller may add a code they hold to a role carrying codes they do not', () => {
    expect(forbiddenCode(edit(localDefiner, { permissions: ['org.manage'], assignableRoles: [] }, { permissions: ['org.manage', 'users.view'] }))).toBeUndefined();
    expect(forbiddenCode(edit(localDefiner, { permissions: ['org.manage'], assignableRoles: [] }, { permissions: ['org.manage', 'users.deactivate'] }))).toBe('escalation');
    // The same for the roles it lists: a listed Head Teacher stays, the added viewer role is the caller's to hand out.
    const listsHead = { permissions: ['users.view'], assignableRoles: [presetIds.headTeacher] };
    expect(forbiddenCode(edit(localDefiner, listsHead, { assignableRoles: [presetIds.headTeacher, viewer.id] }, { callerMfa: true }))).toBeUndefined();
    expect(forbiddenCode(edit(localDefiner, listsHead, { assignableRoles: [presetIds.headTeacher, helper.id] }, { callerMfa: true }))).toBe('escalation');
  });

  it('lets a narrowing through without judging the holders, even where the caller could not assign', () => {
    const holders = [{ personId: 'someone', nodeId: 'south-school' }];
    const before = { permissions: ['org.manage', 'users.view'], assignableRoles: [presetIds.teacher] };
    expect(forbiddenCode(edit(localDefiner, before, { permissions: ['users.view'] }, { holders }))).toBeUndefined();
    expect(forbiddenCode(edit(localDefiner, before, { assignableRoles: [] }, { holders }))).toBeUndefined();
  });

  it('refuses, with escalation, listing a role the caller cannot hand out, in a 2FA session too', () => {
    expect(forbiddenCode(edit(localDefiner, { permissions: ['users.view'], assignableRoles: [] }, { assignableRoles: [helper.id] }, { callerMfa: true }))).toBe('escalation');
  });

  it('bounds a widening by how long the caller may hand out the role it now lists', () => {
    const appointerUntilFriday = makePerson({
      id: 'appointer',
      assignments: [
        makeAssignment({ roleId: definer.id, nodeId: 'trust' }),
        makeAssignment({ roleId: helperAppointer.id, nodeId: 'trust', validUntil: FRIDAY }),
      ],
    });
    const listHelper = (holders: CheckRoleEditInput['holders']) =>
      forbiddenCode(edit(appointerUntilFriday, { permissions: ['users.view'], assignableRoles: [] }, { assignableRoles: [helper.id] }, { holders }));
    // A holder for good could go on appointing helpers after Friday, when the caller no longer can.
    expect(listHelper([{ personId: 'someone', nodeId: 'north-school' }])).toBe('escalation');
    expect(listHelper([{ personId: 'someone', nodeId: 'north-school', validUntil: FRIDAY }])).toBeUndefined();
  });
});

describe('a grant is neither back-dated before the grantor\'s authority nor held to the latest start', () => {
  const SINCE = '2025-02-01T00:00:00.000Z';
  const EARLIER = '2025-01-15T00:00:00.000Z';
  const helper = makeRole({ id: 'role-helper', permissions: ['users.view', 'classes.view'] });
  /** roles.assign and every code of a helper: may appoint helpers by holding what they hold. */
  const seniorHelper = makeRole({ id: 'role-senior-helper', permissions: ['roles.assign', 'users.view', 'classes.view'] });
  /** roles.assign and a helper listed as assignable. */
  const appointer = makeRole({ id: 'role-appointer', permissions: ['roles.assign'], assignableRoles: [helper.id] });
  const roles = makeRoles(helper, seniorHelper, appointer);
  const grantHelper = (assignments: Parameters<typeof makeAssignment>[0][], validFrom: string) =>
    forbiddenCode(() =>
      checkAssign({
        tree, roles, caller: makePerson({ id: 'grantor', assignments: assignments.map(makeAssignment) }), callerMfa: false, now: NOW,
        target: { memberships: [] }, roleId: helper.id, nodeId: 'north-school', validFrom,
      }),
    );

  it('refuses a helper back-dated before the grantor started holding what a helper holds', () => {
    expect(grantHelper([{ roleId: seniorHelper.id, nodeId: 'north-school', validFrom: SINCE }], EARLIER)).toBe('escalation');
    expect(grantHelper([{ roleId: seniorHelper.id, nodeId: 'north-school', validFrom: SINCE }], SINCE)).toBeUndefined();
  });

  it('takes the earliest start of the grantor\'s valid holds, by held codes or by an assignable role', () => {
    const heldTwice = [
      { roleId: seniorHelper.id, nodeId: 'north-school', validFrom: SINCE },
      { roleId: seniorHelper.id, nodeId: 'north', validFrom: EARLIER },
    ];
    expect(grantHelper(heldTwice, EARLIER)).toBeUndefined();
    const heldAndListed = [
      { roleId: seniorHelper.id, nodeId: 'north-school', validFrom: SINCE },
      { roleId: appointer.id, nodeId: 'north', validFrom: EARLIER },
    ];
    expect(grantHelper(heldAndListed, EARLIER)).toBeUndefined();
  });
});

describe('granting a sensitive role without 2FA', () => {
  it('answers mfa_required before judging the role itself (the 2FA check comes first, as checkAuthority documents)', () => {
    const roles = makeRoles();
    const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });
    const give = (callerMfa: boolean) => () =>
      checkAssign({ tree, roles, caller: schoolAdmin, callerMfa, now: NOW, target: { memberships: [] }, roleId: presetIds.designatedSafeguardingLead, nodeId: 'north-school' });
    expect(forbiddenCode(give(false))).toBe('mfa_required');
    expect(forbiddenCode(give(true))).toBe('escalation');
  });
});

describe('"sign in with 2FA" where a 2FA session would help', () => {
  // The caller holds the child protection view themself (a requiresMfa code, held only in a 2FA session):
  // nothing lists it for them, so without 2FA they cannot hand it out, and with 2FA they can.
  const cpViewer = makeRole({ id: 'role-cp-viewer', permissions: ['safeguarding.child_protection.view'] });
  const cpAssigner = makeRole({ id: 'role-cp-assigner', permissions: ['roles.assign', 'users.view', 'safeguarding.child_protection.view'] });
  /** Not sensitive itself, but its holders may appoint child protection viewers. */
  const cpAppointer = makeRole({ id: 'role-cp-appointer', permissions: ['users.view'], assignableRoles: [cpViewer.id] });
  const definer = makeRole({ id: 'role-definer', permissions: ['roles.define', 'users.view'] });
  const custom = makeRole({ id: 'role-custom', permissions: ['users.view'] });
  const roles = makeRoles(cpViewer, cpAssigner, cpAppointer, definer, custom);

  it('answers mfa_required, not escalation, to granting a role that lets its holders appoint a sensitive one', () => {
    const caller = holder(cpAssigner.id, 'north-school', { id: 'cp-assigner' });
    const give = (callerMfa: boolean) => () =>
      checkAssign({ tree, roles, caller, callerMfa, now: NOW, target: { memberships: [] }, roleId: cpAppointer.id, nodeId: 'north-school' });
    expect(forbiddenCode(give(false))).toBe('mfa_required');
    expect(forbiddenCode(give(true))).toBeUndefined();
  });

  it('answers mfa_required, not escalation, to listing a sensitive role on another role', () => {
    const caller = makePerson({
      id: 'cp-definer',
      assignments: [makeAssignment({ roleId: definer.id, nodeId: 'trust' }), makeAssignment({ roleId: cpAssigner.id, nodeId: 'trust' })],
    });
    const listCp = (callerMfa: boolean) => () =>
      checkRoleEdit({
        tree, roles, caller, callerMfa, now: NOW, before: custom, holders: [],
        after: { id: custom.id, permissions: custom.permissions, assignableRoles: [cpViewer.id] },
      });
    expect(forbiddenCode(listCp(false))).toBe('mfa_required');
    expect(forbiddenCode(listCp(true))).toBeUndefined();
  });

  it('answers mfa_required, not outranked, to acting on a holder of a role the caller could give in a 2FA session', () => {
    const caller = holder(cpAssigner.id, 'north-school', { id: 'cp-assigner' });
    const target = holder(cpViewer.id, 'north-school', { id: 'cp-viewer' });
    expect(dominationGap({ tree, roles, caller, callerMfa: false, target, now: NOW })).toBe('mfa_required');
    expect(dominationGap({ tree, roles, caller, callerMfa: true, target, now: NOW })).toBeNull();
  });
});

describe('moving a node (checkMove) with a role only partly sensitive', () => {
  it('asks for 2FA when a gained Head Teacher role carries some sensitive codes among others', () => {
    const roles = makeRoles();
    const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
    const move = (callerMfa: boolean) => () =>
      checkMove({ tree, roles, caller: trustAdmin, callerMfa, now: NOW, nodeId: 'north-school', gained: [{ roleId: presetIds.headTeacher, nodeId: 'south' }] });
    expect(forbiddenCode(move(false))).toBe('mfa_required');
    expect(forbiddenCode(move(true))).toBeUndefined();
  });
});

describe('moving a node where only roles conferring nothing are gained', () => {
  it('does not ask the mover for roles.assign: nothing is granted', () => {
    const estates = makeRole({ id: 'role-estates', permissions: ['org.manage', 'users.view'] });
    const retired = makeRole({ id: 'role-retired', permissions: ['legacy.retired_code'] });
    const hollow = makeRole({ id: 'role-hollow', permissions: [] });
    const roles = makeRoles(estates, retired, hollow);
    const caller = holder(estates.id, 'trust', { id: 'estates' });
    const move = (gained: { roleId: string; nodeId: string }[]) => () =>
      checkMove({ tree, roles, caller, callerMfa: false, now: NOW, nodeId: 'north-school', gained });
    expect(forbiddenCode(move([{ roleId: retired.id, nodeId: 'south' }, { roleId: hollow.id, nodeId: 'south' }]))).toBeUndefined();
    expect(forbiddenCode(move([{ roleId: presetIds.staff, nodeId: 'south' }]))).toBe('escalation');
  });
});

describe('who runs the trust (isAdminHolding)', () => {
  const roles = makeRoles();
  const at = (window: { validFrom?: string; validUntil?: string }) =>
    isAdminHolding(makeAssignment({ roleId: presetIds.trustAdmin, nodeId: 'trust', ...window }), roles, 'trust', NOW);

  it('counts a Trust Admin holding from the instant it starts until the instant it ends, as decide does', () => {
    expect(at({ validFrom: NOW.toISOString() })).toBe(true);
    expect(at({ validUntil: JUST_AFTER })).toBe(true);
    // A holding that ends now keeps nobody's place: the trust would have no admin from this instant.
    expect(at({ validUntil: NOW.toISOString() })).toBe(false);
  });

  it('does not count a holding of a role that no longer exists', () => {
    expect(carriesOrgManage(undefined)).toBe(false);
    expect(isAdminHolding(makeAssignment({ roleId: 'role-deleted', nodeId: 'trust' }), roles, 'trust', NOW)).toBe(false);
  });
});

describe('integration tokens', () => {
  it('reads a scope only under this resource server\'s own prefix, not another of the same length', () => {
    expect('other-server/'.length).toBe('trust-access/'.length);
    expect(scopesInClaim('other-server/authz.check trust-accesx/users.read')).toEqual([]);
    expect(scopesInClaim('authz.check users.read')).toEqual([]);
    expect(tokenMayCall('other-server/authz.check', 'authz.check')).toBe(false);
  });
});

describe('effectivePermissions withheld for 2FA', () => {
  it('lists the withheld codes in catalogue order, whatever node they come from', () => {
    const allegations = makeRole({ id: 'role-allegations', permissions: ['safeguarding.allegations.manage'] });
    const cp = makeRole({ id: 'role-cp', permissions: ['safeguarding.child_protection.view'] });
    const person = makePerson({
      assignments: [makeAssignment({ roleId: allegations.id, nodeId: 'north-school' }), makeAssignment({ roleId: cp.id, nodeId: 'trust' })],
    });
    expect(effectivePermissions({ tree, roles: makeRoles(allegations, cp), person, nodeId: 'north-school', mfa: false, now: NOW }).withheldForMfa).toEqual([
      'safeguarding.child_protection.view',
      'safeguarding.allegations.manage',
    ]);
  });
});

describe('effectivePermissions of an inactive person', () => {
  it('lists nothing, not even codes waiting for 2FA', () => {
    const inactive = holder(presetIds.trustAdmin, 'trust', { status: 'inactive' });
    expect(effectivePermissions({ tree, roles: makeRoles(), person: inactive, nodeId: 'trust', mfa: false, now: NOW })).toEqual({ permissions: [], withheldForMfa: [] });
  });
});
