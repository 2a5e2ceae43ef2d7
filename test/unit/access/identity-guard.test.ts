import { describe, expect, it } from 'vitest';
import { checkIdentityGuard, dominationGap, type IdentityGuardInput } from '../../../domain/access/delegation';
import { presetIds } from '../../../domain/access/roles';
import type { Person } from '../../../domain/access/resolve';
import { FUTURE, NOW, PAST, holder, makeAssignment, makePerson, makeRole, makeRoles, makeTree, forbiddenCode } from '../../fixtures/access';

const tree = makeTree();
const roles = makeRoles(makeRole({ id: 'role-empty', permissions: [] }), makeRole({ id: 'role-teacherish', permissions: ['classes.view'] }));

const trustAdmin = holder(presetIds.trustAdmin, 'trust', { id: 'trust-admin' });
const clusterAdmin = holder(presetIds.clusterAdministrator, 'north', { id: 'cluster-admin' });
const schoolAdmin = holder(presetIds.schoolAdmin, 'north-school', { id: 'school-admin' });
const head = holder(presetIds.headTeacher, 'north-school', { id: 'head' });
const teacher = holder(presetIds.teacher, 'north-school', { id: 'teacher' });

function gap(caller: Person, target: Person, overrides: Partial<IdentityGuardInput> = {}) {
  return dominationGap({ tree, roles, caller, callerMfa: false, target, now: NOW, ...overrides });
}


describe('the identity guard', () => {
  it('lets a School Admin act on a Teacher of their school', () => {
    expect(gap(schoolAdmin, teacher)).toBeNull();
  });

  it('refuses a School Admin acting on the Head Teacher of their own school (outranked)', () => {
    expect(gap(schoolAdmin, head, { callerMfa: true })).toBe('outranked');
    // Without 2FA too: signing in with 2FA would not help, so the answer must not suggest it.
    expect(gap(schoolAdmin, head)).toBe('outranked');
    expect(forbiddenCode(() => checkIdentityGuard({ tree, roles, caller: schoolAdmin, callerMfa: true, target: head, now: NOW }))).toBe('outranked');
  });

  it('refuses a School Admin acting on someone whose role lets them appoint a DSL, though its own permissions are the admin\'s (review B, F5)', () => {
    const withAppointer = makeRoles(makeRole({ id: 'role-appointer', permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead] }));
    const appointer = holder('role-appointer', 'north-school', { id: 'appointer' });
    expect(gap(schoolAdmin, appointer, { roles: withAppointer, callerMfa: true })).toBe('outranked');
    expect(gap(trustAdmin, appointer, { roles: withAppointer })).toBe('mfa_required');
    expect(gap(trustAdmin, appointer, { roles: withAppointer, callerMfa: true })).toBeNull();
  });

  it('lets a Trust Admin act on the Head Teacher only in a 2FA session (the head holds sensitive permissions)', () => {
    expect(gap(trustAdmin, head)).toBe('mfa_required');
    expect(gap(trustAdmin, head, { callerMfa: true })).toBeNull();
  });

  it('refuses a School Admin acting on a Teacher who also holds a role at another school', () => {
    const twoSchools = makePerson({
      id: 'two-schools',
      assignments: [makeAssignment({ roleId: presetIds.teacher, nodeId: 'north-school' }), makeAssignment({ roleId: presetIds.teacher, nodeId: 'south-school' })],
    });
    expect(gap(schoolAdmin, twoSchools)).toBe('outranked');
    expect(gap(trustAdmin, twoSchools)).toBeNull();
  });

  it('refuses a Cluster Administrator acting on a School Admin outside their cluster but not inside it', () => {
    expect(gap(clusterAdmin, holder(presetIds.schoolAdmin, 'north-school', { id: 'inside' }))).toBeNull();
    expect(gap(clusterAdmin, holder(presetIds.schoolAdmin, 'south-school', { id: 'outside' }))).toBe('outranked');
  });

  it('counts a future-dated role (it will grant) but not an expired one (it never will again)', () => {
    const future = makePerson({ id: 'future', assignments: [makeAssignment({ roleId: presetIds.headTeacher, nodeId: 'north-school', validFrom: FUTURE })] });
    const expired = makePerson({ id: 'expired', assignments: [makeAssignment({ roleId: presetIds.headTeacher, nodeId: 'north-school', validUntil: PAST })] });
    expect(gap(schoolAdmin, future, { callerMfa: true })).toBe('outranked');
    expect(gap(schoolAdmin, expired, { callerMfa: true })).toBeNull();
  });

  it('judges a role at a deleted node as held at the trust root', () => {
    const orphan = makePerson({ id: 'orphan', assignments: [makeAssignment({ roleId: presetIds.teacher, nodeId: 'gone' })] });
    expect(gap(schoolAdmin, orphan)).toBe('outranked');
    expect(gap(trustAdmin, orphan)).toBeNull();
  });

  it('ignores roles that confer nothing and roles that no longer exist', () => {
    const empty = makePerson({ id: 'empty', assignments: [makeAssignment({ roleId: 'role-empty', nodeId: 'trust' }), makeAssignment({ roleId: 'deleted', nodeId: 'trust' })] });
    expect(gap(schoolAdmin, empty)).toBeNull();
  });

  it('refuses a caller whose dominating role has expired', () => {
    const lapsed = makePerson({ id: 'lapsed', assignments: [makeAssignment({ roleId: presetIds.trustAdmin, nodeId: 'trust', validUntil: PAST })] });
    expect(gap(lapsed, teacher)).toBe('outranked');
  });

  it('is not the guard for acting on oneself (each route has its own self rule)', () => {
    expect(forbiddenCode(() => checkIdentityGuard({ tree, roles, caller: head, callerMfa: false, target: head, now: NOW }))).toBeUndefined();
  });
});

describe('the identity guard and time', () => {
  const FRIDAY = '2025-03-07T17:00:00.000Z';
  const acting = makePerson({
    id: 'acting',
    assignments: [makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-school', validUntil: FRIDAY })],
  });

  it('lets an acting admin act on a person whose roles end no later than their own authority', () => {
    const temp = makePerson({ id: 'temp', assignments: [makeAssignment({ roleId: presetIds.teacher, nodeId: 'north-school', validUntil: FRIDAY })] });
    expect(gap(acting, temp)).toBeNull();
  });

  it('refuses an acting admin a person holding the role for longer (their account would keep it past Friday)', () => {
    expect(gap(acting, teacher)).toBe('outranked');
    const later = makePerson({ id: 'later', assignments: [makeAssignment({ roleId: presetIds.teacher, nodeId: 'north-school', validFrom: FUTURE })] });
    expect(gap(acting, later)).toBe('outranked');
  });
});
