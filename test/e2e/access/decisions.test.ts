import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

const PAST = '2020-01-01T00:00:00.000Z';
const LATER_PAST = '2021-01-01T00:00:00.000Z';
const FUTURE = '2099-01-01T00:00:00.000Z';
const LATER_FUTURE = '2099-06-01T00:00:00.000Z';

let trust: TestTrust;
/** Active Teacher at North School. */
let teacher: { user: any; token: string };
/** Active Cluster Administrator at North. */
let clusterAdmin: { user: any; token: string };
/** Active parent with the Parent role at North School. */
let parent: { user: any; token: string };
/** Active, with Teacher roles that are expired (South School), not yet valid (Sub School) and valid now (North School). */
let windowed: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

const check = (token: string, body: Record<string, unknown>) => call('POST', '/authz/check', { token, body });
const batch = (token: string, checks: Record<string, unknown>[]) => call('POST', '/authz/batch', { token, body: { checks } });
const reasonOf = async (body: Record<string, unknown>) => {
  const response = await check(trust.token, body);
  expect(response.status).toBe(200);
  return response.body.reason as string;
};

/** When the windowed person's South School grant ends: soon after it is made (a grant that has already ended is refused, review H, H-9). */
let southEnds: string;

beforeAll(async () => {
  trust = await makeTrust();
  southEnds = new Date(Date.now() + 8_000).toISOString();
  [teacher, clusterAdmin, parent, windowed] = await Promise.all([
    actor(trust, { memberships: [{ nodeId: node('North School'), jobTitle: 'Teacher' }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
    actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] }),
    actor(trust, { userType: 'parent', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.parent, nodeId: node('North School') }] }),
    actor(trust, {
      memberships: [{ nodeId: node('South School') }],
      roles: [
        { roleId: presetIds.teacher, nodeId: node('South School'), validFrom: PAST, validUntil: southEnds },
        { roleId: presetIds.teacher, nodeId: node('Sub School'), validFrom: FUTURE },
        { roleId: presetIds.teacher, nodeId: node('North School'), validFrom: PAST, validUntil: FUTURE },
      ],
    }),
  ]);
});

describe('POST /authz/check', () => {
  it('grants with the assignment it comes from', async () => {
    const response = await check(trust.token, { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      allowed: true, reason: 'granted',
      via: { assignmentId: teacher.user.roles[0].id, roleId: presetIds.teacher, nodeId: node('North School') },
    });
  });

  it('says no_grant for a permission the role does not carry and for a node elsewhere', async () => {
    expect(await reasonOf({ userId: teacher.user.id, permission: 'users.view', nodeId: node('North School') })).toBe('no_grant');
    expect(await reasonOf({ userId: teacher.user.id, permission: 'classes.view', nodeId: node('South School') })).toBe('no_grant');
  });

  it('inherits down the tree: a role at a cluster grants at its sub-cluster and schools, not at the trust or another cluster', async () => {
    const via = { assignmentId: clusterAdmin.user.roles[0].id, roleId: presetIds.clusterAdministrator, nodeId: node('North') };
    for (const name of ['North', 'North Sub', 'Sub School', 'North School']) {
      const response = await check(trust.token, { userId: clusterAdmin.user.id, permission: 'users.create', nodeId: node(name) });
      expect(response.body).toEqual({ allowed: true, reason: 'granted', via });
    }
    for (const nodeId of [trust.rootId, node('South'), node('South School')]) {
      const response = await check(trust.token, { userId: clusterAdmin.user.id, permission: 'users.create', nodeId });
      expect(response.body).toEqual({ allowed: false, reason: 'no_grant' });
    }
  });

  it('says expired for an assignment whose window has ended and for one that has not begun, granted inside its window', async () => {
    // Waits (does not race) for the South School grant's end to pass.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(southEnds) - Date.now() + 100)));
    expect(await reasonOf({ userId: windowed.user.id, permission: 'classes.view', nodeId: node('South School') })).toBe('expired');
    expect(await reasonOf({ userId: windowed.user.id, permission: 'classes.view', nodeId: node('Sub School') })).toBe('expired');
    const inside = await check(trust.token, { userId: windowed.user.id, permission: 'classes.view', nodeId: node('North School') });
    expect(inside.body).toMatchObject({ allowed: true, reason: 'granted', via: { nodeId: node('North School') } });
  });

  it('refuses a role window that ends before it starts (400 naming validUntil)', async () => {
    const response = await call('POST', `/users/${teacher.user.id}/roles`, {
      token: trust.token, body: { roleId: presetIds.staff, nodeId: node('North School'), validFrom: LATER_FUTURE, validUntil: FUTURE },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'validUntil', message: 'must be after validFrom' }]);
  });

  it('refuses a grant that has already ended, on every path that grants (400 naming validUntil; review H, H-9)', async () => {
    const ended = { roleId: presetIds.staff, nodeId: node('North School'), validFrom: PAST, validUntil: LATER_PAST };
    const single = await call('POST', `/users/${teacher.user.id}/roles`, { token: trust.token, body: ended });
    expect(single.status).toBe(400);
    expect(single.body.errors).toEqual([{ path: 'validUntil', message: expect.stringMatching(/already passed/) }]);
    const created = await call('POST', '/users', {
      token: trust.token,
      body: { email: `ended-${Date.now()}@example.org`, firstName: 'Ended', lastName: 'Grant', userType: 'staff', memberships: [{ nodeId: node('North School') }], roles: [ended] },
    });
    expect(created.status).toBe(400);
    expect(created.body.errors.map((e: any) => e.path)).toEqual(['roles.0.validUntil']);
    const bulk = await call('POST', '/users/bulk', { token: trust.token, body: { userIds: [teacher.user.id], actions: [{ op: 'addRole', ...ended }] } });
    expect(bulk.status).toBe(400);
    expect(bulk.body.errors.map((e: any) => e.path)).toEqual(['actions.0.validUntil']);
    const roles = (await call('GET', `/users/${teacher.user.id}`, { token: trust.token })).body.roles;
    expect(roles.filter((r: any) => r.roleId === presetIds.staff)).toEqual([]);
  });

  it('says inactive for an invited user who has not activated yet', async () => {
    const invited = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    expect(invited.status).toBe('invited');
    expect(await reasonOf({ userId: invited.id, permission: 'classes.view', nodeId: node('North School') })).toBe('inactive');
  });

  it('says mfa_required for a requiresMfa permission held without 2FA', async () => {
    expect(await reasonOf({ userId: trust.adminId, permission: 'safeguarding.child_protection.view', nodeId: node('North School') })).toBe('mfa_required');
    // Reserved: not even the trust admin holds it.
    expect(await reasonOf({ userId: trust.adminId, permission: 'safeguarding.allegations.manage', nodeId: node('North School') })).toBe('no_grant');
  });

  it('lets anyone ask about themself, but not about others without users.view (404)', async () => {
    const self = await check(teacher.token, { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') });
    expect(self.status).toBe(200);
    expect(self.body.reason).toBe('granted');
    const other = await check(teacher.token, { userId: clusterAdmin.user.id, permission: 'users.view', nodeId: node('North') });
    expect(other.status).toBe(404);
  });

  it('answers 404 about a person of another trust and 400 for an unknown permission or node', async () => {
    const other = await makeTrust([{ kind: 'school', name: 'Theirs' }]);
    const theirs = await createUser(other.token, { memberships: [{ nodeId: other.nodes.Theirs!.id }] });
    expect((await check(trust.token, { userId: theirs.id, permission: 'users.view', nodeId: trust.rootId })).status).toBe(404);
    const badPermission = await check(trust.token, { userId: teacher.user.id, permission: 'no.such.permission', nodeId: node('North School') });
    expect(badPermission.status).toBe(400);
    expect(badPermission.body.errors.map((e: any) => e.path)).toEqual(['permission']);
    const badNode = await check(trust.token, { userId: teacher.user.id, permission: 'classes.view', nodeId: other.nodes.Theirs!.id });
    expect(badNode.status).toBe(400);
    expect(badNode.body.errors.map((e: any) => e.path)).toEqual(['nodeId']);
  });
});

describe('record blocks: PUT/GET/DELETE /users/{id}/blocks/{subjectId}', () => {
  it('a block beats the grant for that pupil only, is listed, and lifting it restores the grant', async () => {
    const subject = { userId: teacher.user.id, permission: 'behaviour.view', nodeId: node('North School') };
    const put = await call('PUT', `/users/${teacher.user.id}/blocks/pupil-1`, { token: trust.token, body: { schoolId: node('North School'), reason: 'Relative at the school' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ subjectId: 'pupil-1', schoolId: node('North School'), reason: 'Relative at the school' });
    expect(await reasonOf({ ...subject, subjectId: 'pupil-1' })).toBe('blocked');
    expect(await reasonOf({ ...subject, subjectId: 'pupil-2' })).toBe('granted');
    expect(await reasonOf(subject)).toBe('granted');
    const listed = await call('GET', `/users/${teacher.user.id}/blocks`, { token: trust.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ subjectId: 'pupil-1', schoolId: node('North School'), reason: 'Relative at the school' }]);

    expect((await call('DELETE', `/users/${teacher.user.id}/blocks/pupil-1`, { token: trust.token })).status).toBe(204);
    expect(await reasonOf({ ...subject, subjectId: 'pupil-1' })).toBe('granted');
    expect((await call('GET', `/users/${teacher.user.id}/blocks`, { token: trust.token })).body.items).toEqual([]);
    expect((await call('DELETE', `/users/${teacher.user.id}/blocks/pupil-1`, { token: trust.token })).status).toBe(404);
  });

  it('lists only the blocks at schools where the caller manages blocks', async () => {
    const guardRole = (await call('POST', '/roles', { token: trust.token, body: { name: 'Block Keeper', permissions: ['users.view', 'safeguarding.blocks.manage'] } })).body;
    const keeper = await actor(trust, { memberships: [{ nodeId: node('Sub School') }], roles: [{ roleId: guardRole.id, nodeId: node('North') }] });
    const target = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }, { nodeId: node('South School') }] });
    await call('PUT', `/users/${target.id}/blocks/pupil-n`, { token: trust.token, body: { schoolId: node('North School'), reason: 'north' } });
    await call('PUT', `/users/${target.id}/blocks/pupil-s`, { token: trust.token, body: { schoolId: node('South School'), reason: 'south' } });
    const listed = await call('GET', `/users/${target.id}/blocks`, { token: keeper.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((b: any) => b.subjectId)).toEqual(['pupil-n']);
    expect((await call('GET', `/users/${target.id}/blocks`, { token: trust.token })).body.items).toHaveLength(2);
    // Nor may it lift the block it cannot see: to it, there is none (review I, I1).
    expect((await call('DELETE', `/users/${target.id}/blocks/pupil-s`, { token: keeper.token })).status).toBe(404);
    expect((await call('DELETE', `/users/${target.id}/blocks/pupil-n`, { token: keeper.token })).status).toBe(204);
  });

  it('is refused (403) without safeguarding.blocks.manage at the school, and 400 for a node that is not a school', async () => {
    const refused = await call('PUT', `/users/${teacher.user.id}/blocks/pupil-3`, { token: clusterAdmin.token, body: { schoolId: node('North School') } });
    expect(refused.status).toBe(403);
    const notSchool = await call('PUT', `/users/${teacher.user.id}/blocks/pupil-3`, { token: trust.token, body: { schoolId: node('North') } });
    expect(notSchool.status).toBe(400);
    expect(notSchool.body.errors.map((e: any) => e.path)).toEqual(['schoolId']);
    expect(await reasonOf({ userId: teacher.user.id, permission: 'behaviour.view', nodeId: node('North School'), subjectId: 'pupil-3' })).toBe('granted');
  });
});

describe('parent links: PUT/DELETE /users/{id}/children/{subjectId}', () => {
  it('a Parent sees only linked pupils: not_linked before the link, granted after, not_linked once unlinked', async () => {
    const ask = { userId: parent.user.id, permission: 'children.view', nodeId: node('North School'), subjectId: 'pupil-9' };
    expect(await reasonOf(ask)).toBe('not_linked');
    const put = await call('PUT', `/users/${parent.user.id}/children/pupil-9`, { token: trust.token, body: { schoolId: node('North School') } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ subjectId: 'pupil-9', schoolId: node('North School') });
    const granted = await check(trust.token, ask);
    expect(granted.body).toEqual({ allowed: true, reason: 'granted', via: { assignmentId: parent.user.roles[0].id, roleId: presetIds.parent, nodeId: node('North School') } });
    expect(await reasonOf({ ...ask, subjectId: 'pupil-10' })).toBe('not_linked');
    expect((await call('DELETE', `/users/${parent.user.id}/children/pupil-9`, { token: trust.token })).status).toBe(204);
    expect(await reasonOf(ask)).toBe('not_linked');
  });

  it('refuses to link a pupil to a staff account with 409 not_a_parent', async () => {
    const response = await call('PUT', `/users/${teacher.user.id}/children/pupil-9`, { token: trust.token, body: { schoolId: node('North School') } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('not_a_parent');
  });

  it('never lets a staff account holding parent permissions see unlinked pupils', async () => {
    // A staff account cannot be linked to pupils (409 not_a_parent), so parent permissions must not
    // reach pupils through it either: the role is refused, or its checks about pupils say no.
    const custom = (await call('POST', '/roles', { token: trust.token, body: { name: 'Pupil Viewer', scope: 'school', permissions: ['children.view'] } })).body;
    for (const roleId of [presetIds.parent, custom.id]) {
      const staff = await actor(trust, { memberships: [{ nodeId: node('North School') }] });
      const assigned = await call('POST', `/users/${staff.user.id}/roles`, { token: trust.token, body: { roleId, nodeId: node('North School') } });
      expect([201, 400, 409]).toContain(assigned.status);
      const decision = await check(trust.token, { userId: staff.user.id, permission: 'children.view', nodeId: node('North School'), subjectId: 'somebody-elses-child' });
      expect(decision.status).toBe(200);
      expect(decision.body, `${roleId} on a staff account`).toMatchObject({ allowed: false });
    }
  });

  it('refuses a link without users.edit at the school (403)', async () => {
    const response = await call('PUT', `/users/${parent.user.id}/children/pupil-11`, { token: teacher.token, body: { schoolId: node('North School') } });
    expect(response.status).toBe(403);
  });
});

describe('POST /authz/batch', () => {
  it('answers 100 checks in order', async () => {
    const cases = [
      { check: { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') }, reason: 'granted' },
      { check: { userId: teacher.user.id, permission: 'classes.view', nodeId: node('South School') }, reason: 'no_grant' },
      { check: { userId: clusterAdmin.user.id, permission: 'users.view', nodeId: node('Sub School') }, reason: 'granted' },
      { check: { userId: windowed.user.id, permission: 'classes.view', nodeId: node('South School') }, reason: 'expired' },
      { check: { userId: trust.adminId, permission: 'safeguarding.child_protection.view', nodeId: trust.rootId }, reason: 'mfa_required' },
      { check: { userId: parent.user.id, permission: 'children.view', nodeId: node('North School'), subjectId: 'pupil-77' }, reason: 'not_linked' },
      { check: { userId: clusterAdmin.user.id, permission: 'users.view', nodeId: trust.rootId }, reason: 'no_grant' },
    ];
    const picks = Array.from({ length: 100 }, (_, i) => cases[(i * 3 + Math.floor(i / 7)) % cases.length]!);
    const response = await batch(trust.token, picks.map((p) => p.check));
    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(100);
    expect(response.body.results.map((r: any) => r.reason)).toEqual(picks.map((p) => p.reason));
    expect(response.body.results.every((r: any) => r.allowed === (r.reason === 'granted'))).toBe(true);
  });

  it('answers a check about a node that is gone (a closed school) in its own entry, not with a 400 for the whole batch (review F, F-4)', async () => {
    const closing = await call('POST', '/nodes', { token: trust.token, body: { parentId: node('North'), name: `Closing School ${Date.now()}`, kind: 'school' } });
    expect(closing.status).toBe(201);
    expect((await call('DELETE', `/nodes/${closing.body.id}`, { token: trust.token })).status).toBe(204);
    const good = { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') };
    const response = await batch(trust.token, [good, { ...good, nodeId: closing.body.id }, { ...good, nodeId: 'never-a-node' }]);
    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      expect.objectContaining({ allowed: true, reason: 'granted' }),
      { allowed: false, reason: 'no_grant', error: { status: 400, code: 'unknown_node' } },
      { allowed: false, reason: 'no_grant', error: { status: 400, code: 'unknown_node' } },
    ]);
    // The single check still answers 400 naming the field.
    const single = await check(trust.token, { ...good, nodeId: closing.body.id });
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({ code: 'unknown_node', errors: [{ path: 'nodeId' }] });
  });

  it('answers 400 for 101 checks and for none', async () => {
    const one = { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') };
    const tooMany = await batch(trust.token, Array.from({ length: 101 }, () => one));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors.map((e: any) => e.path)).toEqual(['checks']);
    expect((await batch(trust.token, [])).status).toBe(400);
  });

  it('answers 400 naming checks.N.permission for an unknown permission (the caller\'s typo; an unknown node is per entry, above)', async () => {
    const good = { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') };
    const badPermission = await batch(trust.token, [{ ...good, permission: 'nope.nothing' }, good]);
    expect(badPermission.status).toBe(400);
    expect(badPermission.body.errors.map((e: any) => e.path)).toEqual(['checks.0.permission']);
  });

  it('gives an entry about a person outside the caller\'s reach a not_found error, answering the rest', async () => {
    const south = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const response = await batch(clusterAdmin.token, [
      { userId: teacher.user.id, permission: 'classes.view', nodeId: node('North School') },
      { userId: south.id, permission: 'classes.view', nodeId: node('South School') },
      { userId: 'no-such-user', permission: 'classes.view', nodeId: node('North School') },
      { userId: clusterAdmin.user.id, permission: 'users.view', nodeId: node('North School') },
    ]);
    expect(response.status).toBe(200);
    const notFound = { allowed: false, reason: 'no_grant', error: { status: 404, code: 'not_found' } };
    expect(response.body.results).toEqual([
      expect.objectContaining({ allowed: true, reason: 'granted' }),
      notFound,
      notFound,
      expect.objectContaining({ allowed: true, reason: 'granted' }),
    ]);
  });
});

describe('GET /me/permissions', () => {
  it('lists what the caller may do at a node, inherited from above', async () => {
    const here = await call('GET', `/me/permissions?nodeId=${node('Sub School')}`, { token: clusterAdmin.token });
    expect(here.status).toBe(200);
    expect(here.body.nodeId).toBe(node('Sub School'));
    expect(here.body.permissions).toEqual(expect.arrayContaining(['org.manage', 'users.view', 'users.create', 'roles.assign', 'audit.view']));
    expect(here.body.permissions).not.toContain('roles.define');
    expect(here.body.withheldForMfa).toEqual([]);
    const elsewhere = await call('GET', `/me/permissions?nodeId=${node('South School')}`, { token: clusterAdmin.token });
    expect(elsewhere.body).toEqual({ nodeId: node('South School'), permissions: [], withheldForMfa: [] });
  });

  it('withholds requiresMfa permissions from a session without 2FA, and never lists reserved ones it lacks', async () => {
    const response = await call('GET', `/me/permissions?nodeId=${node('North School')}`, { token: trust.token });
    expect(response.status).toBe(200);
    expect(response.body.withheldForMfa).toEqual(['safeguarding.child_protection.view']);
    expect(response.body.permissions).toEqual(expect.arrayContaining(['users.view', 'roles.define', 'safeguarding.blocks.manage']));
    expect(response.body.permissions).not.toContain('safeguarding.child_protection.view');
    expect(response.body.permissions).not.toContain('safeguarding.allegations.manage');
    expect(response.body.withheldForMfa).not.toContain('safeguarding.allegations.manage');
  });

  it('answers 400 for an unknown or missing node', async () => {
    const unknown = await call('GET', '/me/permissions?nodeId=no-such-node', { token: teacher.token });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: any) => e.path)).toEqual(['nodeId']);
    expect((await call('GET', '/me/permissions', { token: teacher.token })).status).toBe(400);
  });
});

describe('GET /users/{id}/access', () => {
  it('lists every effective permission by node with the assignment it comes from', async () => {
    const response = await call('GET', `/users/${clusterAdmin.user.id}/access`, { token: trust.token });
    expect(response.status).toBe(200);
    const assignmentId = clusterAdmin.user.roles[0].id;
    expect(response.body.userId).toBe(clusterAdmin.user.id);
    expect(response.body.assignments).toEqual([
      expect.objectContaining({
        assignmentId, roleId: presetIds.clusterAdministrator, roleName: 'Cluster Administrator', nodeId: node('North'),
        permissions: expect.arrayContaining(['users.view', 'roles.assign']),
      }),
    ]);
    expect(response.body.assignments[0].nodeCount).toBe(4);
    expect(response.body.nextCursor).toBeNull();
    const byNode = new Map((response.body.nodes as any[]).map((n) => [n.nodeId, n]));
    expect(new Set(byNode.keys())).toEqual(new Set([node('North'), node('North Sub'), node('North School'), node('Sub School')]));
    const at = byNode.get(node('Sub School'));
    expect(at.permissions).toContainEqual({ code: 'users.view', via: { assignmentId, roleId: presetIds.clusterAdministrator, nodeId: node('North') } });
  });

  it('names the valid assignment and leaves out expired and future ones', async () => {
    const response = await call('GET', `/users/${windowed.user.id}/access`, { token: trust.token });
    expect(response.status).toBe(200);
    expect(response.body.assignments.map((a: any) => a.nodeId)).toEqual([node('North School')]);
    expect(response.body.nodes.map((n: any) => n.nodeId)).toEqual([node('North School')]);
  });

  it('answers 404 to a caller without users.view over the person', async () => {
    expect((await call('GET', `/users/${clusterAdmin.user.id}/access`, { token: teacher.token })).status).toBe(404);
  });
});

describe('GET /me', () => {
  it('returns the caller\'s profile, memberships, roles, mfaEnabled and trust', async () => {
    const response = await call('GET', '/me', { token: teacher.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: teacher.user.id, email: teacher.user.email, status: 'active', userType: 'staff', mfaEnabled: false,
      memberships: [{ nodeId: node('North School'), jobTitle: 'Teacher', primary: true, isManager: false }],
      roles: [{ id: teacher.user.roles[0].id, roleId: presetIds.teacher, nodeId: node('North School') }],
      trust: { id: trust.trustId, rootNodeId: trust.rootId },
    });
    expect(response.body.trust.name).toEqual(expect.any(String));
  });
});
