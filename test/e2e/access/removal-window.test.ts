import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { activate, createUser } from '../../fixtures/people';
import { enableTotp, signInWithTotp } from '../../fixtures/totp';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * Removing a role is bounded as granting it is (review I, I4), over HTTP: an
 * acting Trust Admin whose role ends in a week must not take the permanent
 * Trust Admin's role away (when the acting role ended, nobody would administer
 * the trust), by any removal path; and the last-admin witness must last at
 * least as long as the holding taken away.
 */
let trust: TestTrust;
/** The first (permanent) Trust Admin in a 2FA session: Trust Admin is sensitive, granting and removing it need one. */
let admin2fa: string;
let acting: { user: any; token: string };
const day = 24 * 3600 * 1000;
const ENDS = new Date(Math.floor(Date.now() / day) * day + 7 * day).toISOString();
const SOONER = new Date(Date.parse(ENDS) - 2 * day).toISOString();

/** Someone the 2FA admin gives these roles, activated, in a 2FA session of their own. */
async function person(roles: { roleId: string; nodeId: string; validUntil?: string }[]) {
  const user = await createUser(admin2fa, { roles });
  const secret = await enableTotp(await activate(trust, user));
  return { user, token: (await signInWithTotp(user.email, secret)).accessToken };
}
const rolesOf = async (userId: string) => (await call('GET', `/users/${userId}`, { token: admin2fa })).body.roles as { id: string; roleId: string; validUntil?: string }[];
const trustAdminOf = async (userId: string) => (await rolesOf(userId)).find((r) => r.roleId === presetIds.trustAdmin);

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await enableTotp(trust.token);
  admin2fa = (await signInWithTotp(trust.adminEmail, secret)).accessToken;
  acting = await person([{ roleId: presetIds.trustAdmin, nodeId: trust.rootId, validUntil: ENDS }]);
});

describe('an acting Trust Admin whose role ends in a week', () => {
  it("cannot take the permanent Trust Admin's role away (403 escalation naming its own end), by DELETE, bulk or the CSV import", async () => {
    const permanent = (await trustAdminOf(trust.adminId))!;
    const removed = await call('DELETE', `/users/${trust.adminId}/roles/${permanent.id}`, { token: acting.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(403);
    expect(removed.body.code).toBe('escalation');
    expect(removed.body.detail).toContain(ENDS);

    const bulk = await call('POST', '/users/bulk', {
      token: acting.token,
      body: { userIds: [trust.adminId], actions: [{ op: 'removeRole', roleId: presetIds.trustAdmin, nodeId: trust.rootId }] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([expect.objectContaining({ userId: trust.adminId, ok: false, error: expect.objectContaining({ code: 'escalation' }) })]);

    const admin = (await call('GET', `/users/${trust.adminId}`, { token: admin2fa })).body;
    const file = stringify([['id', 'firstName', 'lastName', 'email', 'roles'], [admin.id, admin.firstName, admin.lastName, admin.email, '-']]);
    const plan = await call('POST', '/users/import?dryRun=true', { token: acting.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    expect(plan.body.rows[0]).toMatchObject({ action: 'error', errors: [expect.objectContaining({ column: 'roles', code: 'escalation' })] });

    expect(await trustAdminOf(trust.adminId)).toEqual(permanent);
  });

  it('may still take away a holding that ends before its own, by DELETE and by bulk (each assignment judged by its own end)', async () => {
    const cover = await createUser(admin2fa, { roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId, validUntil: SOONER }] });
    const held = (await trustAdminOf(cover.id))!;
    expect(held.validUntil).toBe(SOONER);
    const removed = await call('DELETE', `/users/${cover.id}/roles/${held.id}`, { token: acting.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    expect(await trustAdminOf(cover.id)).toBeUndefined();

    const another = await createUser(admin2fa, { roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId, validUntil: SOONER }] });
    const bulk = await call('POST', '/users/bulk', {
      token: acting.token,
      body: { userIds: [another.id], actions: [{ op: 'removeRole', roleId: presetIds.trustAdmin, nodeId: trust.rootId }] },
    });
    expect(bulk.body.results).toEqual([expect.objectContaining({ userId: another.id, ok: true, changed: true })]);
    expect(await trustAdminOf(another.id)).toBeUndefined();
  });
});

describe('a permanent Trust Admin', () => {
  it("still removes another permanent Trust Admin's role, its own holding the witness", async () => {
    const second = await person([{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }]);
    const held = (await trustAdminOf(second.user.id))!;
    const removed = await call('DELETE', `/users/${second.user.id}/roles/${held.id}`, { token: admin2fa });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    expect(await trustAdminOf(second.user.id)).toBeUndefined();
  });
});

describe('the last-admin witness', () => {
  it('is never an acting holding when a permanent admin is deactivated (409 last_admin)', async () => {
    // Head Office may hand out every preset for good, so it dominates the Trust Admin, without holding org.manage.
    const office = await person([{ roleId: presetIds.headOffice, nodeId: trust.rootId }]);
    const deactivated = await call('POST', `/users/${trust.adminId}/deactivate`, { token: office.token });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(409);
    expect(deactivated.body.code).toBe('last_admin');
    const bulk = await call('POST', '/users/bulk', { token: office.token, body: { userIds: [trust.adminId], actions: [{ op: 'deactivate' }] } });
    expect(bulk.body.results).toEqual([expect.objectContaining({ userId: trust.adminId, ok: false, error: expect.objectContaining({ code: 'last_admin' }) })]);
    expect((await call('GET', `/users/${trust.adminId}`, { token: admin2fa })).body.status).toBe('active');
  });

  it('is never an acting holding when a permanent one is taken away (409 last_admin), even by someone who may remove it', async () => {
    // An Appointer may hand out Trust Admin for good (it lists it), without holding org.manage itself.
    const role = await call('POST', '/roles', {
      token: admin2fa,
      body: { name: 'Appointer', scope: 'trust', permissions: ['roles.assign', 'users.view'], assignableRoles: [presetIds.trustAdmin] },
    });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const appointer = await person([{ roleId: role.body.id, nodeId: trust.rootId }]);
    const permanent = (await trustAdminOf(trust.adminId))!;
    // The only other admin holding is the acting one, which ends in a week: no witness for a holding that never ends.
    const removed = await call('DELETE', `/users/${trust.adminId}/roles/${permanent.id}`, { token: appointer.token });
    expect(removed.status, JSON.stringify(removed.body)).toBe(409);
    expect(removed.body.code).toBe('last_admin');
    expect(await trustAdminOf(trust.adminId)).toEqual(permanent);

    // With a second permanent admin the same removal goes through.
    await person([{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }]);
    const again = await call('DELETE', `/users/${trust.adminId}/roles/${permanent.id}`, { token: appointer.token });
    expect(again.status, JSON.stringify(again.body)).toBe(204);
  });
});

describe('narrowing a role that carries org.manage', () => {
  it('is refused (409 last_admin) when only an acting holding would be left to administer the trust', async () => {
    const own = await makeTrust();
    const ownAdmin = (await signInWithTotp(own.adminEmail, await enableTotp(own.token))).accessToken;
    const personIn = async (roles: { roleId: string; nodeId: string; validUntil?: string }[]) => {
      const user = await createUser(ownAdmin, { roles });
      const secret = await enableTotp(await activate(own, user));
      return { user, token: (await signInWithTotp(user.email, secret)).accessToken };
    };
    const runnerRole = await call('POST', '/roles', {
      token: ownAdmin,
      body: { name: 'Trust Runner', scope: 'trust', permissions: ['org.manage', 'roles.define', 'roles.assign', 'users.view'], assignableRoles: [presetIds.trustAdmin] },
    });
    expect(runnerRole.status, JSON.stringify(runnerRole.body)).toBe(201);
    const runner = await personIn([{ roleId: runnerRole.body.id, nodeId: own.rootId }]);
    const cover = await personIn([{ roleId: presetIds.trustAdmin, nodeId: own.rootId, validUntil: ENDS }]);
    // The runner (for good) takes the first admin's Trust Admin away: the runner and the acting cover are left.
    const first = (await call('GET', `/users/${own.adminId}`, { token: runner.token })).body.roles.find((r: { roleId: string }) => r.roleId === presetIds.trustAdmin);
    expect((await call('DELETE', `/users/${own.adminId}/roles/${first.id}`, { token: runner.token })).status).toBe(204);

    // The cover drops org.manage from the runner's role: nobody would administer the trust once the cover ends.
    const patch = await call('PATCH', `/roles/${runnerRole.body.id}`, {
      token: cover.token, headers: { 'if-match': String(runnerRole.body.version) }, body: { permissions: ['roles.define', 'roles.assign', 'users.view'] },
    });
    expect(patch.status, JSON.stringify(patch.body)).toBe(409);
    expect(patch.body.code).toBe('last_admin');
    const role = (await call('GET', '/roles', { token: runner.token })).body.items.find((r: { id: string }) => r.id === runnerRole.body.id);
    expect(role.permissions).toContain('org.manage');
  });
});
