import { describe, expect, it } from 'vitest';
import type { Person } from '../../../domain/access/model';
import type { Role } from '../../../domain/access/roles';
import {
  ActionRefusedError, bulkActionProblems, FIXED_ITEMS_PER_PERSON, MAX_BULK_ACTIONS, MAX_ITEMS_PER_ACTION, planPersonEdit,
  type BulkAction, type BulkGuards, type PlanPersonEditInput,
} from '../../../domain/directory/bulk-edit';
import { ForbiddenError } from '../../../domain/errors';
import type { Account } from '../../../domain/identity/account';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const role = (id: string): Role => ({ id, name: id, description: '', scope: 'any', permissions: [], assignableRoles: [], builtIn: true, version: 0 });

function account(overrides: Partial<Account> = {}): Account {
  return {
    id: 'u1', trustId: 't1', email: 'a@b.example', firstName: 'A', lastName: 'B', userType: 'staff', status: 'active', source: 'manual',
    cognitoUsername: 'sub-1', sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 3, createdAt: '2025-09-01T00:00:00.000Z', updatedAt: '',
    ...overrides,
  };
}

function person(overrides: Partial<Person> = {}): Person {
  return { id: 'u1', status: 'active', userType: 'staff', mfaEnabled: false, assignments: [], memberships: [], blocks: [], children: [], ...overrides };
}

const allow: BulkGuards = { addRole: (_p, a) => role(a.roleId), removeRole: () => {}, placement: () => {}, signIn: () => {} };

let ids = 0;
function plan(actions: BulkAction[], overrides: Partial<PlanPersonEditInput> = {}) {
  return planPersonEdit({
    account: account(), person: person(), membershipsSince: new Map(), actions, guards: allow, actorId: 'admin', now: NOW,
    newId: () => `new-${++ids}`, invitationValidUntil: '2026-03-08T12:00:00.000Z', ...overrides,
  });
}

describe('bulkActionProblems', () => {
  it('accepts different actions, and two windows of one role', () => {
    expect(bulkActionProblems([
      { op: 'addRole', roleId: 'r', nodeId: 'n', validUntil: '2026-07-31T00:00:00Z' },
      { op: 'addRole', roleId: 'r', nodeId: 'n', validFrom: '2026-09-01T00:00:00Z' },
      { op: 'addMembership', nodeId: 'n' },
      { op: 'activate' },
      { op: 'resendInvitation' },
    ])).toEqual([]);
  });

  it('names an action that repeats or undoes an earlier one, in either order', () => {
    expect(bulkActionProblems([{ op: 'removeMembership', nodeId: 'n' }, { op: 'removeMembership', nodeId: 'n' }])).toEqual([{ path: 'actions.1', message: 'repeats actions.0' }]);
    expect(bulkActionProblems([{ op: 'addRole', roleId: 'r', nodeId: 'n' }, { op: 'removeRole', roleId: 'r', nodeId: 'n' }])).toEqual([{ path: 'actions.1', message: 'contradicts actions.0' }]);
    expect(bulkActionProblems([{ op: 'removeRole', roleId: 'r', nodeId: 'n' }, { op: 'addRole', roleId: 'r', nodeId: 'n', validUntil: '2027-01-01T00:00:00Z' }])).toEqual([{ path: 'actions.1', message: 'contradicts actions.0' }]);
    expect(bulkActionProblems([{ op: 'removeMembership', nodeId: 'n' }, { op: 'addMembership', nodeId: 'n' }])).toHaveLength(1);
    expect(bulkActionProblems([{ op: 'activate' }, { op: 'deactivate' }])).toHaveLength(1);
    expect(bulkActionProblems([{ op: 'deactivate' }, { op: 'resendInvitation' }])).toEqual([{ path: 'actions.1', message: 'an account being deactivated takes no invitation' }]);
  });

  it('keeps the most actions one request allows inside one transaction', () => {
    // and the person's one outbox item (a sensitive grant's event)
    expect(FIXED_ITEMS_PER_PERSON + MAX_ITEMS_PER_ACTION * MAX_BULK_ACTIONS + 1).toBeLessThanOrEqual(100);
  });
});

describe('planPersonEdit', () => {
  it('grants a role with an audit record, and finds nothing to do when the person already holds it with that window', () => {
    const granted = plan([{ op: 'addRole', roleId: 'teacher', nodeId: 'school' }]);
    expect(granted).toMatchObject({ changed: true, granted: [{ assignment: { roleId: 'teacher', nodeId: 'school' } }], audit: [{ action: 'role.assigned', nodeId: 'school' }] });
    const holder = person({ assignments: [{ id: 'a1', roleId: 'teacher', nodeId: 'school' }] });
    expect(plan([{ op: 'addRole', roleId: 'teacher', nodeId: 'school' }], { person: holder })).toMatchObject({ changed: false, granted: [], audit: [] });
    const another = plan([{ op: 'addRole', roleId: 'teacher', nodeId: 'school', validUntil: '2026-07-31T00:00:00.000Z' }], { person: holder });
    expect(another.granted).toHaveLength(1);
  });

  it('compares a window as instants: a role stored with an offset (before inputs were kept in UTC) is the same window as its UTC form', () => {
    const holder = person({ assignments: [{ id: 'a1', roleId: 'teacher', nodeId: 'school', validFrom: '2026-01-01T09:00:00+01:00', validUntil: '2027-01-01T00:00:00Z' }] });
    const same = plan([{ op: 'addRole', roleId: 'teacher', nodeId: 'school', validFrom: '2026-01-01T08:00:00.000Z', validUntil: '2027-01-01T00:00:00.000Z' }], { person: holder });
    expect(same).toMatchObject({ changed: false, granted: [] });
    const later = plan([{ op: 'addRole', roleId: 'teacher', nodeId: 'school', validFrom: '2026-01-01T09:00:00.000Z', validUntil: '2027-01-01T00:00:00.000Z' }], { person: holder });
    expect(later.granted).toHaveLength(1);
  });

  it('removes every assignment of the role at the node, naming the action; nothing to remove is no change', () => {
    const holder = person({ assignments: [{ id: 'a1', roleId: 'teacher', nodeId: 'school' }, { id: 'a2', roleId: 'teacher', nodeId: 'school', validFrom: '2026-09-01T00:00:00.000Z' }, { id: 'a3', roleId: 'teacher', nodeId: 'other' }] });
    const removed = plan([{ op: 'addMembership', nodeId: 'school' }, { op: 'removeRole', roleId: 'teacher', nodeId: 'school' }], { person: holder });
    expect(removed.removed.map((r) => [r.assignment.id, r.action])).toEqual([['a1', 1], ['a2', 1]]);
    expect(plan([{ op: 'removeRole', roleId: 'ta', nodeId: 'school' }], { person: holder }).changed).toBe(false);
    expect(holder.assignments).toHaveLength(3); // the record read is never changed in place
  });

  it('places a person (the first placement is primary), changes a job title, and removes a primary placement (the oldest other takes over)', () => {
    expect(plan([{ op: 'addMembership', nodeId: 'a' }]).memberships).toEqual([{ nodeId: 'a', primary: true, isManager: false }]);
    const placed = person({ memberships: [{ nodeId: 'a', primary: true, isManager: false }, { nodeId: 'b', primary: false, isManager: false }, { nodeId: 'c', primary: false, isManager: false }] });
    const since = new Map([['a', '2024-01-01'], ['b', '2025-01-01'], ['c', '2023-01-01']]);
    expect(plan([{ op: 'addMembership', nodeId: 'b' }], { person: placed, membershipsSince: since }).changed).toBe(false);
    expect(plan([{ op: 'addMembership', nodeId: 'b', jobTitle: 'Cover' }], { person: placed, membershipsSince: since }).audit).toMatchObject([{ action: 'membership.updated', after: { nodeId: 'b', jobTitle: 'Cover', primary: false } }]);
    const unplaced = plan([{ op: 'removeMembership', nodeId: 'a' }, { op: 'removeMembership', nodeId: 'z' }], { person: placed, membershipsSince: since });
    expect(unplaced.memberships).toEqual([{ nodeId: 'b', primary: false, isManager: false }, { nodeId: 'c', primary: true, isManager: false }]);
    expect(unplaced.audit.map((a) => a.action)).toEqual(['membership.removed']);
  });

  it('deactivates once (a repeat is no change) and refuses deactivating oneself, naming the action', () => {
    const off = plan([{ op: 'deactivate' }]);
    expect(off).toMatchObject({ changed: true, deactivated: 0, account: { set: { status: 'inactive' } }, audit: [{ action: 'user.deactivated' }] });
    expect(plan([{ op: 'deactivate' }], { account: account({ status: 'inactive' }) })).toMatchObject({ changed: false, account: null });
    const self = () => plan([{ op: 'addMembership', nodeId: 'a' }, { op: 'deactivate' }], { actorId: 'u1' });
    expect(self).toThrow(ActionRefusedError);
    expect(self).toThrow(expect.objectContaining({ action: 1, refusal: expect.objectContaining({ code: 'cannot_deactivate_self' }) }));
  });

  it('activates a person who never accepted back to invited, and then re-sends the invitation', () => {
    const edit = plan([{ op: 'activate' }, { op: 'resendInvitation' }], { account: account({ status: 'inactive' }), person: person({ status: 'inactive' }) });
    expect(edit).toMatchObject({ activated: 0, invited: 1, account: { set: { status: 'invited' } } });
    expect(edit.audit.map((a) => a.action)).toEqual(['user.activated', 'user.invited']);
    expect(() => plan([{ op: 'resendInvitation' }])).toThrow(expect.objectContaining({ action: 0, refusal: expect.objectContaining({ code: 'not_invited' }) }));
  });

  it('refuses the whole person at the first action a guard refuses, and asks each guard about the person as earlier actions left them', () => {
    const seen: number[] = [];
    const guards: BulkGuards = {
      ...allow,
      addRole: (p, a) => {
        seen.push(p.memberships.length);
        if (a.roleId === 'head') throw new ForbiddenError('no', 'escalation');
        return role(a.roleId);
      },
    };
    const refused = () => plan([{ op: 'addMembership', nodeId: 'a' }, { op: 'addRole', roleId: 'teacher', nodeId: 'a' }, { op: 'addRole', roleId: 'head', nodeId: 'a' }], { guards });
    expect(refused).toThrow(expect.objectContaining({ action: 2, refusal: expect.objectContaining({ code: 'escalation' }) }));
    expect(seen).toEqual([1, 1]);
  });
});
