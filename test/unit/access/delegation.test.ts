import { describe, expect, it } from 'vitest';
import { checkAssign, checkRoleEdit, checkUnassign, type CheckAssignInput, type CheckRoleEditInput } from '../../../domain/access/delegation';
import { presetIds } from '../../../domain/access/roles';
import { ConflictError, ForbiddenError, InvalidInputError } from '../../../domain/errors';
import type { Person } from '../../../domain/access/resolve';
import { FUTURE, NOW, PAST, holder, makeAssignment, makeMembership, makePerson, makeRole, makeRoles, makeTree } from '../../fixtures/access';

const tree = makeTree();
const helper = makeRole({ id: 'role-helper', permissions: ['users.view', 'classes.view'] });
const assigner = makeRole({ id: 'role-assigner', permissions: ['roles.assign'] });
const cpAssigner = makeRole({ id: 'role-cp-assigner', permissions: ['roles.assign', 'safeguarding.child_protection.view'] });
const cpViewer = makeRole({ id: 'role-cp-viewer', permissions: ['safeguarding.child_protection.view'] });
const definer = makeRole({ id: 'role-definer', permissions: ['roles.define', 'users.view'] });
const roles = makeRoles(helper, assigner, cpAssigner, cpViewer, definer);

const target = makePerson({ id: 'target', memberships: [makeMembership({ nodeId: 'north-school', primary: true })] });

function assign(caller: Person, roleId: string, nodeId: string, overrides: Partial<CheckAssignInput> = {}) {
  return () => checkAssign({ tree, roles, caller, callerMfa: false, target, roleId, nodeId, now: NOW, ...overrides });
}

function refusal(run: () => unknown): { name: string; code: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof ForbiddenError || error instanceof ConflictError || error instanceof InvalidInputError)) throw error;
    return { name: error.name, code: error.code };
  }
}

const forbidden = { name: 'ForbiddenError', code: 'forbidden' };
const escalation = { name: 'ForbiddenError', code: 'escalation' };
const mfaRequired = { name: 'ForbiddenError', code: 'mfa_required' };
const notAMember = { name: 'ConflictError', code: 'not_a_member' };

describe('checkAssign', () => {
  const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
  const clusterAdmin = holder(presetIds.clusterAdministrator, 'north', { id: 'cluster-admin' });
  const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });

  describe('roles.assign at the node', () => {
    it('refuses a caller without roles.assign with forbidden', () => {
      expect(refusal(assign(holder(presetIds.teacher, 'north-school'), presetIds.staff, 'north-school'))).toEqual(forbidden);
    });

    it('refuses a cluster admin outside their cluster with forbidden', () => {
      expect(refusal(assign(clusterAdmin, presetIds.teacher, 'south-school'))).toEqual(forbidden);
      expect(refusal(assign(clusterAdmin, presetIds.staff, 'trust'))).toEqual(forbidden);
    });

    it('refuses when roles.assign comes only from an expired assignment', () => {
      const lapsed = makePerson({ assignments: [makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-school', validUntil: PAST })] });
      expect(refusal(assign(lapsed, presetIds.teacher, 'north-school'))).toEqual(forbidden);
    });

    it('refuses an inactive caller', () => {
      expect(refusal(assign({ ...trustAdmin, status: 'inactive' }, presetIds.staff, 'north-school'))).toEqual(forbidden);
    });
  });

  describe('escalation', () => {
    it('lets a school admin assign the roles their role lists', () => {
      for (const roleId of [presetIds.staff, presetIds.teacher, presetIds.teachingAssistant, presetIds.nurseryManager, presetIds.parent]) {
        expect(refusal(assign(schoolAdmin, roleId, 'north-school')), roleId).toBeUndefined();
      }
    });

    it('refuses a role whose holders could hand out a role the caller could not: the whole assignableRoles closure is judged (review B, F5)', () => {
      // Permissions the school admin holds, but it lets its holders appoint a DSL (directly, or through a chain).
      const appointer = makeRole({ id: 'role-appointer', permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead] });
      const chain = makeRole({ id: 'role-chain', permissions: ['roles.assign'], assignableRoles: ['role-appointer'] });
      const withAppointer = makeRoles(appointer, chain);
      for (const roleId of ['role-appointer', 'role-chain']) {
        expect(refusal(assign(schoolAdmin, roleId, 'north-school', { roles: withAppointer, callerMfa: true })), roleId).toEqual(escalation);
        // A trust admin in a 2FA session could appoint a DSL themself, so may hand out the appointer; without 2FA the answer is 2FA.
        expect(refusal(assign(trustAdmin, roleId, 'north-school', { roles: withAppointer, callerMfa: true })), roleId).toBeUndefined();
        expect(refusal(assign(trustAdmin, roleId, 'north-school', { roles: withAppointer })), roleId).toEqual(mfaRequired);
      }
      // Removing it is judged the same way: nobody removes what they could not have given.
      expect(refusal(() => checkUnassign({ tree, roles: withAppointer, caller: schoolAdmin, callerMfa: true, assignment: { roleId: 'role-appointer', nodeId: 'north-school' }, now: NOW }))).toEqual(escalation);
    });

    it('refuses a school admin a role that is neither listed nor held, with escalation', () => {
      expect(refusal(assign(schoolAdmin, presetIds.clusterAdministrator, 'north-school'))).toEqual(escalation);
      expect(refusal(assign(schoolAdmin, presetIds.curriculumAdministrator, 'north-school'))).toEqual(escalation);
    });

    it('lets a caller grant a role whose every permission they hold at the node', () => {
      expect(refusal(assign(schoolAdmin, helper.id, 'north-school'))).toBeUndefined();
      expect(refusal(assign(schoolAdmin, presetIds.schoolAdmin, 'north-school'))).toBeUndefined();
    });

    it('lets a cluster admin appoint a school admin under the cluster', () => {
      expect(refusal(assign(clusterAdmin, presetIds.schoolAdmin, 'sub-school'))).toBeUndefined();
    });

    it('counts an assignable role only where it is held on the path', () => {
      const caller = makePerson({
        assignments: [makeAssignment({ roleId: assigner.id, nodeId: 'trust' }), makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-school' })],
      });
      expect(refusal(assign(caller, presetIds.teacher, 'north-school'))).toBeUndefined();
      expect(refusal(assign(caller, presetIds.teacher, 'south-school'))).toEqual(escalation);
    });

    it('does not count an expired assignable role', () => {
      const caller = makePerson({
        assignments: [
          makeAssignment({ roleId: assigner.id, nodeId: 'trust' }),
          makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-school', validUntil: PAST }),
        ],
      });
      expect(refusal(assign(caller, presetIds.teacher, 'north-school'))).toEqual(escalation);
    });

    it('counts requiresMfa permissions as held only when the session passed 2FA', () => {
      const caller = holder(cpAssigner.id, 'north-school');
      expect(refusal(assign(caller, cpViewer.id, 'north-school'))).toEqual(mfaRequired);
      expect(refusal(assign(caller, cpViewer.id, 'north-school', { callerMfa: true }))).toBeUndefined();
    });
  });

  describe('sensitive roles', () => {
    it('needs 2FA for Trust Admin to grant the Head Teacher its reserved permissions', () => {
      expect(refusal(assign(trustAdmin, presetIds.headTeacher, 'north-school'))).toEqual(mfaRequired);
      expect(refusal(assign(trustAdmin, presetIds.headTeacher, 'north-school', { callerMfa: true }))).toBeUndefined();
    });

    it('needs 2FA to grant the DSL its child protection view', () => {
      expect(refusal(assign(trustAdmin, presetIds.designatedSafeguardingLead, 'north-school'))).toEqual(mfaRequired);
      expect(refusal(assign(trustAdmin, presetIds.designatedSafeguardingLead, 'north-school', { callerMfa: true }))).toBeUndefined();
    });

    it('still needs roles.assign first: a caller without it hears forbidden, not mfa_required', () => {
      expect(refusal(assign(holder(presetIds.teacher, 'north-school'), presetIds.headTeacher, 'north-school'))).toEqual(forbidden);
    });
  });

  describe('scope and input', () => {
    it('refuses a role at a node of the wrong kind, naming nodeId', () => {
      expect(() => assign(trustAdmin, presetIds.clusterAdministrator, 'north-school')()).toThrow(
        expect.objectContaining({ code: 'scope_mismatch', errors: [expect.objectContaining({ path: 'nodeId' })] }),
      );
      expect(refusal(assign(trustAdmin, presetIds.trustAdmin, 'north', { callerMfa: true }))).toEqual({ name: 'InvalidInputError', code: 'scope_mismatch' });
    });

    it('names an unknown role or node', () => {
      expect(() => assign(trustAdmin, 'role-nope', 'north')()).toThrow(expect.objectContaining({ code: 'unknown_role', errors: [expect.objectContaining({ path: 'roleId' })] }));
      expect(() => assign(trustAdmin, presetIds.staff, 'nowhere')()).toThrow(expect.objectContaining({ code: 'unknown_node', errors: [expect.objectContaining({ path: 'nodeId' })] }));
    });

    it('returns the role it approved', () => {
      expect(assign(trustAdmin, presetIds.staff, 'north')()).toMatchObject({ id: presetIds.staff });
    });
  });

  describe('membersOnly policy', () => {
    const policy = { membersOnly: true };
    const memberOf = (nodeId: string) => makePerson({ id: 'target', memberships: [makeMembership({ nodeId })] });
    const check = (targetPerson: Person, nodeId: string, on = true) =>
      refusal(assign(trustAdmin, presetIds.staff, nodeId, { target: targetPerson, policy: { membersOnly: on } }));

    it('refuses a non-member with not_a_member', () => {
      expect(check(makePerson({ id: 'target' }), 'north-school')).toEqual(notAMember);
      expect(check(memberOf('south-school'), 'north')).toEqual(notAMember);
    });

    it('accepts a member at the node, under it, or at an ancestor below the root', () => {
      expect(check(memberOf('north-school'), 'north-school')).toBeUndefined();
      expect(check(memberOf('sub-school'), 'north')).toBeUndefined();
      expect(check(memberOf('north'), 'sub-school')).toBeUndefined();
    });

    it('does not count a membership at the trust root', () => {
      expect(check(memberOf('trust'), 'north-school')).toEqual(notAMember);
    });

    it('applies to schools straight under the trust as well', () => {
      expect(check(memberOf('north-school'), 'central-school')).toEqual(notAMember);
    });

    it('does not apply at the trust root', () => {
      expect(check(makePerson({ id: 'target' }), 'trust')).toBeUndefined();
    });

    it('does nothing when switched off', () => {
      expect(check(makePerson({ id: 'target' }), 'north-school', false)).toBeUndefined();
    });

    it('is checked only after the caller is allowed, so refused callers learn nothing', () => {
      const outsider = makePerson({ id: 'target' });
      expect(refusal(assign(clusterAdmin, presetIds.staff, 'south-school', { target: outsider, policy }))).toEqual(forbidden);
    });
  });
});

describe('checkUnassign', () => {
  const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
  const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });
  const unassign = (caller: Person, roleId: string, nodeId: string, callerMfa = false) => () =>
    checkUnassign({ tree, roles, caller, callerMfa, now: NOW, assignment: { roleId, nodeId } });

  it('lets a caller remove a role they could have given there', () => {
    expect(refusal(unassign(schoolAdmin, presetIds.teacher, 'north-school'))).toBeUndefined();
  });

  it('refuses outside the caller\'s roles.assign with forbidden', () => {
    expect(refusal(unassign(schoolAdmin, presetIds.teacher, 'south-school'))).toEqual(forbidden);
  });

  it('refuses a role the caller could not have given with escalation', () => {
    expect(refusal(unassign(schoolAdmin, presetIds.curriculumAdministrator, 'north-school'))).toEqual(escalation);
  });

  it('needs 2FA to take away a sensitive role, as to give it', () => {
    expect(refusal(unassign(trustAdmin, presetIds.designatedSafeguardingLead, 'north-school'))).toEqual(mfaRequired);
    expect(refusal(unassign(trustAdmin, presetIds.designatedSafeguardingLead, 'north-school', true))).toBeUndefined();
  });

  it('removes a role that no longer fits its node: scope only limits adding', () => {
    expect(refusal(unassign(trustAdmin, presetIds.clusterAdministrator, 'north-school'))).toBeUndefined();
  });

  it('needs only roles.assign to clear an assignment of a deleted role', () => {
    expect(refusal(unassign(schoolAdmin, 'role-deleted', 'north-school'))).toBeUndefined();
  });

  it('treats an assignment at a deleted node as sitting at the trust root', () => {
    expect(refusal(unassign(schoolAdmin, presetIds.teacher, 'deleted-node'))).toEqual(forbidden);
    expect(refusal(unassign(trustAdmin, presetIds.teacher, 'deleted-node'))).toBeUndefined();
  });
});

describe('checkRoleEdit', () => {
  const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
  const custom = makeRole({ id: 'role-custom', permissions: ['users.view'] });
  const localDefiner = makePerson({
    id: 'local-definer',
    assignments: [makeAssignment({ roleId: definer.id, nodeId: 'trust' }), makeAssignment({ roleId: assigner.id, nodeId: 'north' })],
  });

  function edit(caller: Person, after: Partial<CheckRoleEditInput['after']>, overrides: Partial<CheckRoleEditInput> = {}) {
    return () =>
      checkRoleEdit({
        tree,
        roles,
        caller,
        callerMfa: false,
        now: NOW,
        before: custom,
        after: { id: custom.id, permissions: custom.permissions, assignableRoles: custom.assignableRoles, ...after },
        holders: [],
        ...overrides,
      });
  }

  it('refuses a caller without roles.define at the trust root with forbidden', () => {
    expect(refusal(edit(holder(presetIds.clusterAdministrator, 'north'), { permissions: ['users.view'] }))).toEqual(forbidden);
  });

  it('asks for 2FA to let a role hand out a sensitive one (review D, D1: listing DSL is handing it out)', () => {
    expect(refusal(edit(trustAdmin, { assignableRoles: [presetIds.designatedSafeguardingLead] }))).toEqual(mfaRequired);
    // Through a listed role that lists it in turn, too.
    const appointer = makeRole({ id: 'role-appointer', permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead] });
    expect(refusal(edit(trustAdmin, { assignableRoles: ['role-appointer'] }, { roles: makeRoles(helper, assigner, cpAssigner, cpViewer, definer, appointer) }))).toEqual(mfaRequired);
    expect(refusal(edit(trustAdmin, { assignableRoles: [presetIds.designatedSafeguardingLead] }, { callerMfa: true }))).toBeUndefined();
    // A role that hands out nothing sensitive needs no 2FA.
    expect(refusal(edit(trustAdmin, { assignableRoles: [presetIds.teacher] }))).toBeUndefined();
  });

  it('lets a caller add permissions they hold at the trust root and returns the clean definition', () => {
    expect(edit(trustAdmin, { permissions: ['users.view', 'org.manage', 'users.view'] })()).toEqual({ permissions: ['org.manage', 'users.view'], assignableRoles: [] });
  });

  it('refuses adding a permission the caller lacks at the root with escalation', () => {
    expect(refusal(edit(localDefiner, { permissions: ['users.view', 'org.manage'] }))).toEqual(escalation);
    expect(refusal(edit(trustAdmin, { permissions: ['safeguarding.allegations.manage'] }, { callerMfa: true }))).toEqual(escalation);
  });

  it('treats creating a role like widening an empty one', () => {
    expect(refusal(edit(localDefiner, { permissions: ['users.view'] }, { before: undefined }))).toBeUndefined();
    expect(refusal(edit(localDefiner, { permissions: ['users.deactivate'] }, { before: undefined }))).toEqual(escalation);
  });

  it('always allows narrowing', () => {
    const wide = makeRole({ id: 'role-custom', permissions: ['org.manage', 'users.view'] });
    expect(refusal(edit(localDefiner, { permissions: ['users.view'] }, { before: wide }))).toBeUndefined();
  });

  it('needs 2FA to add a sensitive permission', () => {
    expect(refusal(edit(trustAdmin, { permissions: ['users.view', 'safeguarding.child_protection.view'] }))).toEqual(mfaRequired);
    expect(refusal(edit(trustAdmin, { permissions: ['users.view', 'safeguarding.child_protection.view'] }, { callerMfa: true }))).toBeUndefined();
  });

  it('rejects unknown permission codes naming the field', () => {
    expect(() => edit(trustAdmin, { permissions: ['users.view', 'users.fly'] })()).toThrow(
      expect.objectContaining({ code: 'unknown_permission', errors: [expect.objectContaining({ path: 'permissions[1]' })] }),
    );
  });

  it('counts widening a role someone else holds as granting at their node', () => {
    const widened = { permissions: ['users.view'] };
    const addView = (holders: CheckRoleEditInput['holders']) => {
      const narrow = makeRole({ id: 'role-custom', permissions: [] });
      return refusal(edit(localDefiner, widened, { before: narrow, holders }));
    };
    expect(addView([{ personId: 'someone', nodeId: 'north-school' }])).toBeUndefined();
    expect(addView([{ personId: 'someone', nodeId: 'south-school' }])).toEqual(forbidden);
    expect(addView([{ personId: 'local-definer', nodeId: 'south-school' }])).toBeUndefined();
  });

  it('treats adding to assignableRoles as widening: the caller must be able to assign the added role', () => {
    expect(refusal(edit(localDefiner, { assignableRoles: [presetIds.headTeacher] }))).toEqual(escalation);
    expect(refusal(edit(trustAdmin, { assignableRoles: [presetIds.headTeacher] }, { callerMfa: true }))).toBeUndefined();
    // The Head Teacher carries sensitive codes: listing it needs the 2FA session granting it would.
    expect(refusal(edit(trustAdmin, { assignableRoles: [presetIds.headTeacher] }))).toEqual(mfaRequired);
    expect(refusal(edit(localDefiner, { assignableRoles: [custom.id] }))).toBeUndefined();
  });

  it('judges a role that lists itself by its new definition', () => {
    expect(refusal(edit(localDefiner, { permissions: ['users.view', 'org.manage'], assignableRoles: [custom.id] }))).toEqual(escalation);
    expect(refusal(edit(trustAdmin, { permissions: ['users.view', 'org.manage'], assignableRoles: [custom.id] }))).toBeUndefined();
  });
});

describe('a grant stays within the grantor\'s own window', () => {
  const FRIDAY = '2025-03-07T17:00:00.000Z';
  const LATER = '2025-04-01T00:00:00.000Z';
  const SINCE = '2025-02-01T00:00:00.000Z';
  /** An acting School Admin of North School: from 1 February until Friday. */
  const acting = makePerson({
    id: 'acting',
    assignments: [makeAssignment({ id: 'a-acting', roleId: presetIds.schoolAdmin, nodeId: 'north-school', validFrom: SINCE, validUntil: FRIDAY })],
  });
  const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });

  it('refuses an acting admin a permanent grant of their own role, with escalation', () => {
    expect(refusal(assign(acting, presetIds.schoolAdmin, 'north-school'))).toEqual(escalation);
  });

  it('refuses a grant ending after the grantor\'s authority, and one back-dated before it', () => {
    expect(refusal(assign(acting, presetIds.schoolAdmin, 'north-school', { validUntil: LATER }))).toEqual(escalation);
    expect(refusal(assign(acting, presetIds.teacher, 'north-school', { validUntil: LATER }))).toEqual(escalation);
    expect(refusal(assign(acting, presetIds.teacher, 'north-school', { validFrom: PAST, validUntil: FRIDAY }))).toEqual(escalation);
  });

  it('accepts a grant bounded by the grantor\'s window, through held permissions or assignableRoles', () => {
    expect(refusal(assign(acting, presetIds.schoolAdmin, 'north-school', { validUntil: FRIDAY }))).toBeUndefined();
    expect(refusal(assign(acting, presetIds.teacher, 'north-school', { validFrom: SINCE, validUntil: '2025-03-05T00:00:00.000Z' }))).toBeUndefined();
    expect(refusal(assign(acting, presetIds.teacher, 'north-school', { validFrom: FRIDAY.replace('17', '08'), validUntil: FRIDAY }))).toBeUndefined();
  });

  it('leaves permanent grantors as they were', () => {
    expect(refusal(assign(schoolAdmin, presetIds.schoolAdmin, 'north-school'))).toBeUndefined();
    expect(refusal(assign(schoolAdmin, presetIds.teacher, 'north-school', { validFrom: PAST, validUntil: LATER }))).toBeUndefined();
  });

  it('takes the widest of the caller\'s valid assignments that give the authority, and only those', () => {
    const twice = makePerson({
      assignments: [
        ...acting.assignments,
        // A second, longer hold of the same authority, from the cluster above.
        makeAssignment({ id: 'a-cluster', roleId: presetIds.clusterAdministrator, nodeId: 'north', validUntil: LATER }),
        // Expired and future ones give nothing now.
        makeAssignment({ id: 'a-old', roleId: presetIds.trustAdmin, nodeId: 'trust', validUntil: PAST }),
        makeAssignment({ id: 'a-next', roleId: presetIds.trustAdmin, nodeId: 'trust', validFrom: FUTURE }),
      ],
    });
    expect(refusal(assign(twice, presetIds.schoolAdmin, 'north-school', { validUntil: LATER }))).toBeUndefined();
    expect(refusal(assign(twice, presetIds.schoolAdmin, 'north-school', { validUntil: FUTURE }))).toEqual(escalation);
    expect(refusal(assign(twice, presetIds.schoolAdmin, 'north-school'))).toEqual(escalation);
  });

  it('bounds a role by the code held for the shortest time', () => {
    // users.view for good (helper), classes.view only until Friday through the acting role.
    const mixed = makePerson({
      assignments: [
        makeAssignment({ id: 'a-1', roleId: helper.id, nodeId: 'north-school', validUntil: FRIDAY }),
        makeAssignment({ id: 'a-2', roleId: assigner.id, nodeId: 'north-school' }),
        makeAssignment({ id: 'a-3', roleId: makeRoleView.id, nodeId: 'north-school' }),
      ],
    });
    const withView = new Map([...roles, [makeRoleView.id, makeRoleView]]);
    expect(refusal(assign(mixed, helper.id, 'north-school', { roles: withView }))).toEqual(escalation);
    expect(refusal(assign(mixed, helper.id, 'north-school', { roles: withView, validUntil: FRIDAY }))).toBeUndefined();
    expect(refusal(assign(mixed, makeRoleView.id, 'north-school', { roles: withView }))).toBeUndefined();
  });

  describe('removing is bounded as granting is (review I, I4)', () => {
    const unassign = (caller: Person, assignment: { roleId: string; nodeId: string; validUntil?: string }, callerMfa = false) => () =>
      checkUnassign({ tree, roles, caller, callerMfa, now: NOW, assignment });
    const message = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    };

    it('refuses an acting admin a holding that outlasts their authority, with escalation naming its end', () => {
      const permanentTeacher = { roleId: presetIds.teacher, nodeId: 'north-school' };
      expect(refusal(unassign(acting, permanentTeacher))).toEqual(escalation);
      expect(refusal(unassign(acting, { ...permanentTeacher, validUntil: LATER }))).toEqual(escalation);
      expect(refusal(unassign(acting, { roleId: presetIds.schoolAdmin, nodeId: 'north-school' }))).toEqual(escalation);
      expect(message(unassign(acting, permanentTeacher))).toContain(FRIDAY);
    });

    it('lets an acting admin remove a holding ending no later than their own authority', () => {
      expect(refusal(unassign(acting, { roleId: presetIds.teacher, nodeId: 'north-school', validUntil: FRIDAY }))).toBeUndefined();
      expect(refusal(unassign(acting, { roleId: presetIds.schoolAdmin, nodeId: 'north-school', validUntil: '2025-03-05T00:00:00.000Z' }))).toBeUndefined();
      // Already ended: nothing it confers outlasts anyone.
      expect(refusal(unassign(acting, { roleId: presetIds.teacher, nodeId: 'north-school', validUntil: PAST }))).toBeUndefined();
    });

    it('leaves permanent authority as it was: any holding it could give, it may take away', () => {
      expect(refusal(unassign(schoolAdmin, { roleId: presetIds.schoolAdmin, nodeId: 'north-school' }))).toBeUndefined();
      expect(refusal(unassign(schoolAdmin, { roleId: presetIds.teacher, nodeId: 'north-school', validUntil: LATER }))).toBeUndefined();
    });

    it('refuses an acting Trust Admin the permanent Trust Admin\'s role, and lets a permanent one take it', () => {
      const actingTrustAdmin = makePerson({
        id: 'acting-trust-admin',
        assignments: [makeAssignment({ id: 'a-ta', roleId: presetIds.trustAdmin, nodeId: 'trust', validUntil: FRIDAY })],
      });
      const permanent = { roleId: presetIds.trustAdmin, nodeId: 'trust' };
      expect(refusal(unassign(actingTrustAdmin, permanent, true))).toEqual(escalation);
      expect(refusal(unassign(holder(presetIds.trustAdmin, 'trust', { id: 'other-admin' }), permanent, true))).toBeUndefined();
    });

    it('counts authority from a role listing the removed one as assignable for that assignment\'s window', () => {
      const appointer = makeRole({ id: 'role-appointer', permissions: ['roles.assign'], assignableRoles: [presetIds.teacher] });
      const withAppointer = new Map([...roles, [appointer.id, appointer]]);
      const caller = makePerson({ assignments: [makeAssignment({ roleId: appointer.id, nodeId: 'north-school', validUntil: FRIDAY })] });
      const remove = (validUntil?: string) => () =>
        checkUnassign({ tree, roles: withAppointer, caller, callerMfa: false, now: NOW, assignment: { roleId: presetIds.teacher, nodeId: 'north-school', ...(validUntil ? { validUntil } : {}) } });
      expect(refusal(remove())).toEqual(escalation);
      expect(refusal(remove(FRIDAY))).toBeUndefined();
    });
  });

  it('bounds widening a role by the editor\'s hold on what is added, their own assignments included', () => {
    const actingTrustAdmin = makePerson({
      id: 'acting-trust-admin',
      assignments: [makeAssignment({ id: 'a-ta', roleId: presetIds.trustAdmin, nodeId: 'trust', validUntil: FRIDAY })],
    });
    const narrow = makeRole({ id: 'role-custom', permissions: [] });
    const widen = (holders: CheckRoleEditInput['holders']) =>
      refusal(() =>
        checkRoleEdit({
          tree, roles, caller: actingTrustAdmin, callerMfa: false, now: NOW, before: narrow,
          after: { id: narrow.id, permissions: ['users.view', 'org.manage'], assignableRoles: [] }, holders,
        }),
      );
    expect(widen([{ personId: 'someone', nodeId: 'north-school' }])).toEqual(escalation);
    expect(widen([{ personId: 'acting-trust-admin', nodeId: 'trust' }])).toEqual(escalation);
    expect(widen([{ personId: 'someone', nodeId: 'north-school', validUntil: FRIDAY }, { personId: 'gone', nodeId: 'trust', validUntil: PAST }])).toBeUndefined();
    expect(widen([])).toBeUndefined();
  });
});

const makeRoleView = makeRole({ id: 'role-view', permissions: ['classes.view'] });
