import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, login } from '../../fixtures/api';
import { auditOf, nextSecond, profileItem, signIn } from '../../fixtures/identity';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
});

const teacherAt = (school: string) =>
  actor(trust, { memberships: [{ nodeId: node(school), jobTitle: 'Teacher' }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }] });

describe('POST /users/{id}/deactivate and /activate', () => {
  it('ends every session at once, keeps the records, and reactivation restores access with the same roles', async () => {
    const { user } = await teacherAt('North School');
    const tokens = await login(user.email, TEST_PASSWORD);
    expect((await call('GET', '/me', { token: tokens.accessToken })).status).toBe(200);

    const deactivated = await call('POST', `/users/${user.id}/deactivate`, { token: trust.token });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: user.id, status: 'inactive' });
    expect(deactivated.body.version).toBeGreaterThan(user.version);

    const live = await call('GET', '/me', { token: tokens.accessToken });
    expect(live.status).toBe(401);
    expect(live.body.code).toBe('session_revoked');
    const again = await signIn(user.email, TEST_PASSWORD);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_credentials');
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).status).toBe(401);

    const kept = await call('GET', `/users/${user.id}`, { token: trust.token });
    expect(kept.body.roles).toEqual(user.roles);
    expect(kept.body.memberships).toEqual(user.memberships);

    const activated = await call('POST', `/users/${user.id}/activate`, { token: trust.token });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', roles: user.roles });
    expect(activated.body.version).toBe(deactivated.body.version + 1);
    // Sessions from before the deactivation stay void after it.
    expect((await call('GET', '/me', { token: tokens.accessToken })).status).toBe(401);
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).status).toBe(401);

    await nextSecond();
    const fresh = await login(user.email, TEST_PASSWORD);
    const me = await call('GET', '/me', { token: fresh.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.roles).toEqual(user.roles);
    const permissions = await call('GET', `/me/permissions?nodeId=${node('North School')}`, { token: fresh.accessToken });
    expect(permissions.body.permissions.length).toBeGreaterThan(0);
  });

  it('audits both, filed under the person\'s school, by the admin who did it', async () => {
    const { user } = await teacherAt('North School');
    await call('POST', `/users/${user.id}/deactivate`, { token: trust.token });
    await call('POST', `/users/${user.id}/activate`, { token: trust.token });
    const records = (await auditOf(trust, user.id)).filter((r) => r.action === 'user.deactivated' || r.action === 'user.activated');
    expect(records.map((r) => r.action).sort()).toEqual(['user.activated', 'user.deactivated']);
    expect(records.every((r) => r.actorId === trust.adminId && r.nodeId === node('North School'))).toBe(true);
  });

  it('brings a person who never accepted the invitation back as invited', async () => {
    const invited = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await call('POST', `/users/${invited.id}/deactivate`, { token: trust.token })).body.status).toBe('inactive');
    const back = await call('POST', `/users/${invited.id}/activate`, { token: trust.token });
    expect(back.body.status).toBe('invited');
  });

  it('is idempotent: deactivating twice changes nothing the second time', async () => {
    const { user } = await teacherAt('North School');
    const first = await call('POST', `/users/${user.id}/deactivate`, { token: trust.token });
    const second = await call('POST', `/users/${user.id}/deactivate`, { token: trust.token });
    expect(second.status).toBe(200);
    expect(second.body.version).toBe(first.body.version);
  });

  it('refuses to deactivate yourself with 409 cannot_deactivate_self', async () => {
    const response = await call('POST', `/users/${trust.adminId}/deactivate`, { token: trust.token });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('cannot_deactivate_self');
    expect((await profileItem(trust, trust.adminId)).status).toBe('active');
  });

  it('answers 404 for a person outside the caller\'s reach and 403 without the permission', async () => {
    const clusterAdmin = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const [north, south] = await Promise.all([teacherAt('North School'), teacherAt('South School')]);
    expect((await call('POST', `/users/${north.user.id}/deactivate`, { token: clusterAdmin.token })).status).toBe(200);
    const outside = await call('POST', `/users/${south.user.id}/deactivate`, { token: clusterAdmin.token });
    expect(outside.status).toBe(404);
    expect((await call('POST', `/users/${south.user.id}/activate`, { token: clusterAdmin.token })).status).toBe(404);
    expect((await profileItem(trust, south.user.id)).status).toBe('active');
    const byTeacher = await call('POST', `/users/${south.user.id}/deactivate`, { token: north.token });
    expect(byTeacher.status).toBe(401); // north was deactivated above: its token is void
    const other = await teacherAt('North School');
    const forbidden = await call('POST', `/users/${south.user.id}/deactivate`, { token: other.token });
    expect(forbidden.status).toBe(403);
  });
});
