import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor, createUser, setTrustPolicies, userBody } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
/** Cluster Administrator at North (which holds North School and, through North Sub, Sub School). */
let ca: { user: any; token: string };
/** A custom role holding one permission a Cluster Administrator lacks. */
let schedulerRole: any;
/** A custom role holding only permissions a Cluster Administrator has. */
let helperRole: any;
const node = (name: string) => trust.nodes[name]!.id;

const assign = (token: string, userId: string, roleId: string, nodeId: string, extra: Record<string, string> = {}) =>
  call('POST', `/users/${userId}/roles`, { token, body: { roleId, nodeId, ...extra } });
const rolesOfUser = async (userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body.roles as any[];

beforeAll(async () => {
  trust = await makeTrust();
  schedulerRole = (await call('POST', '/roles', { token: trust.token, body: { name: 'Scheduler', permissions: ['reports.view', 'reports.manage_schedules'] } })).body;
  helperRole = (await call('POST', '/roles', { token: trust.token, body: { name: 'Helper', permissions: ['users.view', 'reports.view'] } })).body;
  ca = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
});

describe('POST /users as a Cluster Administrator', () => {
  it('creates a Teacher at a school of its cluster and at a school of its sub-cluster', async () => {
    for (const school of ['North School', 'Sub School']) {
      const response = await call('POST', '/users', {
        token: ca.token,
        body: userBody({ memberships: [{ nodeId: node(school) }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }] }),
      });
      expect(response.status).toBe(201);
      expect(response.body.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: node(school) })]);
    }
  });

  it('is refused with 403 at another cluster\'s school and at the trust', async () => {
    const south = await call('POST', '/users', {
      token: ca.token,
      body: userBody({ memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
    });
    expect(south.status).toBe(403);
    const atTrust = await call('POST', '/users', { token: ca.token, body: userBody({ memberships: [{ nodeId: trust.rootId }] }) });
    expect(atTrust.status).toBe(403);
    // Placed nowhere counts as placed at the trust.
    expect((await call('POST', '/users', { token: ca.token, body: userBody() })).status).toBe(403);
    // A member of its own school given a role in the other cluster is refused too.
    const roleElsewhere = await call('POST', '/users', {
      token: ca.token,
      body: userBody({ memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
    });
    expect(roleElsewhere.status).toBe(403);
  });

  it('refuses a new user with a role holding permissions it lacks (403 escalation), creating nobody', async () => {
    const body = userBody({ memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.curriculumAdministrator, nodeId: node('North School') }] });
    const response = await call('POST', '/users', { token: ca.token, body });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('escalation');
    expect((await call('POST', '/users', { token: trust.token, body: { ...body, roles: [] } })).status).toBe(201);
  });
});

describe('POST /users/{id}/roles as a Cluster Administrator', () => {
  let northMember: any;
  let subMember: any;

  beforeAll(async () => {
    [northMember, subMember] = await Promise.all([
      createUser(trust.token, { memberships: [{ nodeId: node('North School') }] }),
      createUser(trust.token, { memberships: [{ nodeId: node('Sub School') }] }),
    ]);
  });

  it('gives a Teacher role at a school of its cluster and sub-cluster (201)', async () => {
    const here = await assign(ca.token, northMember.id, presetIds.teacher, node('North School'));
    expect(here.status).toBe(201);
    expect(here.body).toEqual({ id: expect.any(String), roleId: presetIds.teacher, nodeId: node('North School') });
    const below = await assign(ca.token, subMember.id, presetIds.teacher, node('Sub School'));
    expect(below.status).toBe(201);
    expect((await rolesOfUser(subMember.id)).map((r) => r.id)).toContain(below.body.id);
  });

  it('is refused (403 forbidden) at another cluster\'s school and at the trust', async () => {
    const south = await assign(ca.token, northMember.id, presetIds.teacher, node('South School'));
    expect(south.status).toBe(403);
    expect(south.body.code).toBe('forbidden');
    const atTrust = await assign(ca.token, northMember.id, presetIds.staff, trust.rootId);
    expect(atTrust.status).toBe(403);
    expect(atTrust.body.code).toBe('forbidden');
    expect((await rolesOfUser(northMember.id)).map((r) => r.nodeId)).not.toContain(node('South School'));
  });

  it('cannot grant a role with permissions it lacks (403 escalation)', async () => {
    for (const roleId of [presetIds.curriculumAdministrator, schedulerRole.id, presetIds.headOffice]) {
      const response = await assign(ca.token, northMember.id, roleId, node('North School'));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('escalation');
    }
    expect((await rolesOfUser(northMember.id)).map((r) => r.roleId)).not.toContain(schedulerRole.id);
  });

  it('can grant a role holding only permissions it has', async () => {
    expect((await assign(ca.token, northMember.id, helperRole.id, node('North School'))).status).toBe(201);
  });

  it('can grant roles its own role lists as assignable although it lacks their permissions: School Admin, Nursery Manager', async () => {
    const schoolAdmin = await assign(ca.token, subMember.id, presetIds.schoolAdmin, node('Sub School'));
    expect(schoolAdmin.status).toBe(201);
    const manager = await assign(ca.token, subMember.id, presetIds.nurseryManager, node('Sub School'));
    expect(manager.status).toBe(201);
  });

  it('answers 400 scope_mismatch for a school role at a cluster, but only to a caller allowed to grant it', async () => {
    const response = await assign(ca.token, northMember.id, presetIds.schoolAdmin, node('North Sub'));
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('scope_mismatch');
    // Outside its reach the caller learns nothing about the role's scope.
    expect((await assign(ca.token, northMember.id, presetIds.schoolAdmin, node('South'))).status).toBe(403);
  });

  it('answers 403 mfa_required for roles carrying sensitive or reserved permissions, without 2FA', async () => {
    for (const [roleId, at] of [[presetIds.designatedSafeguardingLead, 'North School'], [presetIds.headTeacher, 'North School']] as const) {
      const byCa = await assign(ca.token, northMember.id, roleId, node(at));
      expect(byCa.status).toBe(403);
      expect(byCa.body.code).toBe('mfa_required');
      // Even the trust admin, who holds the permissions, needs a 2FA session to hand them out.
      const byAdmin = await assign(trust.token, northMember.id, roleId, node(at));
      expect(byAdmin.status).toBe(403);
      expect(byAdmin.body.code).toBe('mfa_required');
    }
    expect((await rolesOfUser(northMember.id)).map((r) => r.roleId)).not.toContain(presetIds.designatedSafeguardingLead);
  });

  it('answers 404 for a person outside its reach, whatever the node', async () => {
    const southMember = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const response = await assign(ca.token, southMember.id, presetIds.teacher, node('North School'));
    expect(response.status).toBe(404);
    expect(await rolesOfUser(southMember.id)).toEqual([]);
  });

  it('a School Admin it appointed hands out what School Admin lists or what it holds, at its school only', async () => {
    const admin = await actor(trust, { memberships: [{ nodeId: node('North School') }] });
    expect((await assign(ca.token, admin.user.id, presetIds.schoolAdmin, node('North School'))).status).toBe(201);
    const target = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await assign(admin.token, target.id, presetIds.teachingAssistant, node('North School'))).status).toBe(201);
    // It holds every permission of School Admin there, so it may appoint a peer...
    expect((await assign(admin.token, target.id, presetIds.schoolAdmin, node('North School'))).status).toBe(201);
    // ...but nothing above it, and nothing at a school it does not run.
    for (const roleId of [presetIds.curriculumAdministrator, presetIds.clusterAdministrator]) {
      const up = await assign(admin.token, target.id, roleId, node('North School'));
      expect(up.status).toBe(403);
      expect(up.body.code).toBe('escalation');
    }
    const elsewhere = await assign(admin.token, target.id, presetIds.teacher, node('Sub School'));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('forbidden');
  });
});

describe('DELETE /users/{id}/roles/{assignmentId}', () => {
  it('lets the Cluster Administrator take away a role it could have given', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    const response = await call('DELETE', `/users/${user.id}/roles/${user.roles[0].id}`, { token: ca.token });
    expect(response.status).toBe(204);
    expect(await rolesOfUser(user.id)).toEqual([]);
  });

  it('refuses to take away a role above its level (403 escalation) or outside its cluster (403 forbidden)', async () => {
    const user = await createUser(trust.token, {
      memberships: [{ nodeId: node('North School') }],
      roles: [{ roleId: presetIds.curriculumAdministrator, nodeId: node('North School') }, { roleId: presetIds.teacher, nodeId: node('South School') }],
    });
    const [curriculum, southTeacher] = [user.roles.find((r: any) => r.roleId === presetIds.curriculumAdministrator), user.roles.find((r: any) => r.nodeId === node('South School'))];
    const above = await call('DELETE', `/users/${user.id}/roles/${curriculum.id}`, { token: ca.token });
    expect(above.status).toBe(403);
    expect(above.body.code).toBe('escalation');
    const outside = await call('DELETE', `/users/${user.id}/roles/${southTeacher.id}`, { token: ca.token });
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('forbidden');
    expect((await rolesOfUser(user.id)).map((r) => r.id).sort()).toEqual([curriculum.id, southTeacher.id].sort());
  });

  it('takes effect at once: a Cluster Administrator whose role is taken away is refused on its next request', async () => {
    const other = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const target = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await assign(other.token, target.id, presetIds.staff, node('North School'))).status).toBe(201);
    expect((await call('DELETE', `/users/${other.user.id}/roles/${other.user.roles[0].id}`, { token: trust.token })).status).toBe(204);
    const after = await assign(other.token, target.id, presetIds.teacher, node('North School'));
    expect(after.status).toBe(404); // it no longer sees the person at all
    expect((await call('GET', `/me/permissions?nodeId=${node('North School')}`, { token: other.token })).body.permissions).toEqual([]);
  });

  it('answers 404 for an unknown assignment', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await call('DELETE', `/users/${user.id}/roles/no-such-assignment`, { token: ca.token })).status).toBe(404);
  });
});

describe('the "members only" trust policy', () => {
  let t: TestTrust;
  let tca: string;
  const n = (name: string) => t.nodes[name]!.id;

  beforeAll(async () => {
    t = await makeTrust();
    tca = (await actor(t, { memberships: [{ nodeId: n('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: n('North') }] })).token;
    await setTrustPolicies(t, { membersOnly: true });
  });

  it('refuses a role at a cluster school for someone who does not belong there with 409 not_a_member', async () => {
    const elsewhere = await createUser(t.token, { memberships: [{ nodeId: n('Sub School') }] });
    const response = await call('POST', `/users/${elsewhere.id}/roles`, { token: tca, body: { roleId: presetIds.teacher, nodeId: n('North School') } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('not_a_member');
    const byAdmin = await call('POST', `/users/${elsewhere.id}/roles`, { token: t.token, body: { roleId: presetIds.teacher, nodeId: n('North School') } });
    expect(byAdmin.status).toBe(409);
    expect((await call('GET', `/users/${elsewhere.id}`, { token: t.token })).body.roles).toEqual([]);
  });

  it('allows it for a member of the school or of its cluster, and at the trust root for anyone', async () => {
    const atSchool = await createUser(t.token, { memberships: [{ nodeId: n('North School') }] });
    expect((await call('POST', `/users/${atSchool.id}/roles`, { token: tca, body: { roleId: presetIds.teacher, nodeId: n('North School') } })).status).toBe(201);
    const atCluster = await createUser(t.token, { memberships: [{ nodeId: n('North') }] });
    expect((await call('POST', `/users/${atCluster.id}/roles`, { token: tca, body: { roleId: presetIds.teacher, nodeId: n('Sub School') } })).status).toBe(201);
    const nowhere = await createUser(t.token);
    expect((await call('POST', `/users/${nowhere.id}/roles`, { token: t.token, body: { roleId: presetIds.staff, nodeId: t.rootId } })).status).toBe(201);
  });

  it('applies to a new user\'s roles too', async () => {
    const response = await call('POST', '/users', {
      token: tca,
      body: userBody({ memberships: [{ nodeId: n('Sub School') }], roles: [{ roleId: presetIds.teacher, nodeId: n('North School') }] }),
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('not_a_member');
  });
});
