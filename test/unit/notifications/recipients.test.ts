import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { categoryByCode, deliveryFor, notificationCategories } from '../../../domain/notifications/categories';
import { compilePerson } from '../../../domain/access/resolve';
import { mayHear, recipientSearch, recipientsFor, type Candidate } from '../../../domain/notifications/recipients';
import { NOW, PAST, holder, makeAssignment, makeRole, makeRoles, makeTree } from '../../fixtures/access';

const tree = makeTree();
const roles = makeRoles();
const cat = (code: string) => categoryByCode.get(code)!;

function recipients(code: string, nodeId: string, candidates: Candidate[], subjectId?: string, requireMfaForAdmins = false) {
  return recipientsFor({ event: { category: cat(code), nodeId, ...(subjectId ? { subjectId } : {}) }, tree, roles, candidates, policies: { timeZone: 'Europe/London', digestHour: 7, requireMfaForAdmins }, now: NOW });
}

describe('notification categories', () => {
  it('needs 2FA for child protection and allegations, which go out at once and carry no detail', () => {
    for (const code of ['child_protection', 'allegation']) expect(cat(code)).toMatchObject({ requiresMfa: true, defaultDelivery: 'immediate', sensitive: true });
    for (const code of ['behaviour', 'pastoral', 'first_aid', 'attendance', 'account_security', 'mis_sync']) expect(cat(code)).toMatchObject({ requiresMfa: false, defaultDelivery: 'digest', sensitive: false });
    expect(notificationCategories.filter((c) => c.internal).map((c) => c.code)).toEqual(['account_security', 'mis_sync']);
  });

  it('lets no emailed link turn off safeguarding or account security emails', () => {
    expect(notificationCategories.filter((c) => !c.offByLink).map((c) => c.code)).toEqual(['child_protection', 'allegation', 'account_security']);
  });

  it("takes the person's choice, then the trust's default, but a trust default never silences a safeguarding category", () => {
    expect(deliveryFor(cat('behaviour'), { behaviour: 'off' }, { behaviour: 'immediate' })).toBe('off');
    expect(deliveryFor(cat('behaviour'), undefined, { behaviour: 'immediate' })).toBe('immediate');
    expect(deliveryFor(cat('child_protection'), undefined, { child_protection: 'off' })).toBe('immediate');
    expect(deliveryFor(cat('child_protection'), { child_protection: 'digest' }, undefined)).toBe('digest');
  });
});

describe('recipientsFor', () => {
  const dsl = holder(presetIds.designatedSafeguardingLead, 'north-school', { id: 'dsl', mfaEnabled: true });
  const dslNoMfa = holder(presetIds.designatedSafeguardingLead, 'north-school', { id: 'dsl-no-mfa', mfaEnabled: false });
  const otherClusterAdmin = holder(presetIds.clusterAdministrator, 'south', { id: 'south-admin', mfaEnabled: true });
  const teacher = holder(presetIds.teacher, 'north-school', { id: 'teacher' });
  const head = holder(presetIds.headTeacher, 'north-school', { id: 'head', mfaEnabled: true });

  it('reaches the DSL at once about a child protection concern, and nobody without 2FA, outside the school, or without the permission', () => {
    expect(recipients('child_protection', 'north-school', [{ person: dsl }, { person: dslNoMfa }, { person: otherClusterAdmin }, { person: teacher }, { person: head }])).toEqual([
      { userId: 'dsl', delivery: 'immediate' },
      { userId: 'head', delivery: 'immediate' },
    ]);
  });

  it('never reaches a person blocked from the pupil', () => {
    const blocked = holder(presetIds.designatedSafeguardingLead, 'north-school', { id: 'blocked-dsl', mfaEnabled: true, blocks: [{ subjectId: 'pupil-1', schoolId: 'north-school' }] });
    expect(recipients('child_protection', 'north-school', [{ person: blocked }, { person: dsl }], 'pupil-1').map((r) => r.userId)).toEqual(['dsl']);
    expect(recipients('child_protection', 'north-school', [{ person: blocked }], 'pupil-2').map((r) => r.userId)).toEqual(['blocked-dsl']);
  });

  it('leaves out inactive people, expired roles and people who turned the category off', () => {
    const inactive = holder(presetIds.teacher, 'north-school', { id: 'inactive', status: 'inactive' });
    const expired = holder(presetIds.teacher, 'north-school', { id: 'expired', assignments: [makeAssignment({ roleId: presetIds.teacher, nodeId: 'north-school', validUntil: PAST })] });
    const result = recipients('behaviour', 'north-school', [{ person: inactive }, { person: expired }, { person: teacher, preferences: { behaviour: 'off' } }, { person: head, preferences: { behaviour: 'immediate' } }]);
    expect(result).toEqual([{ userId: 'head', delivery: 'immediate' }]);
  });

  it("puts a digest entry on the person's own digest hour, else the trust's", () => {
    const own = recipients('behaviour', 'north-school', [{ person: teacher, digestHour: 18 }]);
    expect(own).toEqual([{ userId: 'teacher', delivery: 'digest', dueAt: '2025-03-01T18:00:00.000Z' }]);
    expect(recipients('behaviour', 'north-school', [{ person: teacher }])[0]!.dueAt).toBe('2025-03-02T07:00:00.000Z');
  });

  it('inherits down the tree: a role at the cluster reaches a school under it', () => {
    const clusterDsl = holder(presetIds.designatedSafeguardingLead, 'north', { id: 'cluster-dsl', mfaEnabled: true });
    expect(recipients('pastoral', 'sub-school', [{ person: clusterDsl }]).map((r) => r.userId)).toEqual(['cluster-dsl']);
  });

  it('looks for holders only at the node and above, and only of roles carrying the permission', () => {
    const search = recipientSearch(tree, roles, { category: cat('child_protection'), nodeId: 'sub-school' });
    expect(search.nodeIds).toEqual(['sub-school', 'north-sub', 'north', 'trust']);
    expect(search.roleIds.has(presetIds.designatedSafeguardingLead)).toBe(true);
    expect(search.roleIds.has(presetIds.teacher)).toBe(false);
  });
});

describe('mayHear (on arrival, at send time, on the feed)', () => {
  const dsl = holder(presetIds.designatedSafeguardingLead, 'north-school', { id: 'dsl', mfaEnabled: true });
  const noPolicy = { requireMfaForAdmins: false };
  const hears = (person: Parameters<typeof mayHear>[0]['person'], code: string, subjectId?: string, extra: Partial<Parameters<typeof mayHear>[0]> = {}) =>
    mayHear({ event: { category: cat(code), nodeId: 'north-school', ...(subjectId ? { subjectId } : {}) }, tree, roles, policies: noPolicy, person, now: NOW, ...extra });

  it("counts the session's own 2FA on the feed, and the person's 2FA outside a request", () => {
    expect(hears(dsl, 'child_protection', 'pupil-1')).toBe(true);
    expect(hears(dsl, 'child_protection', 'pupil-1', { session: { mfa: false } })).toBe(false);
    expect(hears(dsl, 'child_protection', 'pupil-1', { session: { mfa: true } })).toBe(true);
    expect(hears({ ...dsl, mfaEnabled: false }, 'child_protection', 'pupil-1')).toBe(false);
  });

  it('answers the same for a compiled person as for a stored one', () => {
    const blocked = { ...dsl, blocks: [{ subjectId: 'pupil-1', schoolId: 'north-school' }] };
    for (const person of [blocked, compilePerson(blocked, roles, tree)]) {
      expect(hears(person, 'child_protection', 'pupil-1')).toBe(false);
      expect(hears(person, 'child_protection', 'pupil-2')).toBe(true);
    }
  });

  it("withholds account_security and mis_sync from admins without 2FA when the trust requires it for admins", () => {
    const admin = holder(presetIds.trustAdmin, 'trust', { id: 'admin', mfaEnabled: false });
    const policy = { requireMfaForAdmins: true };
    for (const code of ['account_security', 'mis_sync']) {
      expect(recipients(code, 'north-school', [{ person: admin }]).map((r) => r.userId)).toEqual(['admin']);
      expect(recipients(code, 'north-school', [{ person: admin }], undefined, true)).toEqual([]);
      expect(hears(admin, code, undefined, { policies: policy })).toBe(false);
      expect(hears({ ...admin, mfaEnabled: true }, code, undefined, { policies: policy })).toBe(true);
    }
    // Not an administration permission: the policy leaves behaviour alone.
    expect(hears(holder(presetIds.teacher, 'north-school'), 'behaviour', undefined, { policies: policy })).toBe(true);
    expect(hears(admin, 'account_security', undefined, { policies: policy, session: { mfa: true } })).toBe(true);
    expect(hears(admin, 'account_security', undefined, { policies: policy, session: { mfa: false } })).toBe(false);
  });

  it('reaches a parent only about a pupil they are linked to: never about no one, even with a custom role carrying the permission', () => {
    const parentsHearBehaviour = makeRole({ id: 'custom-parent-behaviour', permissions: ['behaviour.view'] });
    const customRoles = makeRoles(parentsHearBehaviour);
    const parent = holder(parentsHearBehaviour.id, 'north-school', { id: 'parent', userType: 'parent', children: [{ subjectId: 'child-1', schoolId: 'north-school' }] });
    const ask = (subjectId?: string) =>
      mayHear({ event: { category: cat('behaviour'), nodeId: 'north-school', ...(subjectId ? { subjectId } : {}) }, tree, roles: customRoles, policies: noPolicy, person: parent, now: NOW });
    expect(ask('child-1')).toBe(true);
    expect(ask('someone-else')).toBe(false);
    expect(ask()).toBe(false);
    const staff = holder(parentsHearBehaviour.id, 'north-school', { id: 'staff' });
    expect(mayHear({ event: { category: cat('behaviour'), nodeId: 'north-school' }, tree, roles: customRoles, policies: noPolicy, person: staff, now: NOW })).toBe(true);
  });
});
