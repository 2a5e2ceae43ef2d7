import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { profileItem } from '../../fixtures/identity';
import { activate, createUser } from '../../fixtures/people';
import { enableTotp, signInWithTotp } from '../../fixtures/totp';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/** A trust whose first admin is in a session that passed 2FA (granting Trust Admin needs one). */
async function trustWith2fa(): Promise<{ trust: TestTrust; admin2fa: string }> {
  const trust = await makeTrust();
  const secret = await enableTotp(trust.token);
  return { trust, admin2fa: (await signInWithTotp(trust.adminEmail, secret)).accessToken };
}

/** Someone the 2FA admin gives these roles, activated, with a 2FA session of their own. */
async function person(trust: TestTrust, admin2fa: string, roles: { roleId: string; nodeId: string }[]) {
  const user = await createUser(admin2fa, { roles });
  const secret = await enableTotp(await activate(trust, user));
  return { user, token: (await signInWithTotp(user.email, secret)).accessToken };
}

const rolesOf = async (trust: TestTrust, userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body.roles as { id: string; roleId: string }[];
const trustAdminAssignment = async (trust: TestTrust, userId: string) => (await rolesOf(trust, userId)).find((r) => r.roleId === presetIds.trustAdmin)!.id;

describe('the last admin (409 last_admin)', () => {
  it("refuses to take the only Trust Admin's role away, or to deactivate them, even for Head Office who may assign every preset", async () => {
    const { trust, admin2fa } = await trustWith2fa();
    const office = await person(trust, admin2fa, [{ roleId: presetIds.headOffice, nodeId: trust.rootId }]);
    const assignment = await trustAdminAssignment(trust, trust.adminId);

    const remove = await call('DELETE', `/users/${trust.adminId}/roles/${assignment}`, { token: office.token });
    expect(remove.status).toBe(409);
    expect(remove.body.code).toBe('last_admin');
    const deactivate = await call('POST', `/users/${trust.adminId}/deactivate`, { token: office.token });
    expect(deactivate.status).toBe(409);
    expect(deactivate.body.code).toBe('last_admin');
    expect((await profileItem(trust, trust.adminId)).status).toBe('active');
    expect(await trustAdminAssignment(trust, trust.adminId)).toBe(assignment);
  });

  it('lets a Trust Admin go while another stays', async () => {
    const { trust, admin2fa } = await trustWith2fa();
    const second = await person(trust, admin2fa, [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }]);
    const removed = await call('DELETE', `/users/${second.user.id}/roles/${await trustAdminAssignment(trust, second.user.id)}`, { token: admin2fa });
    expect(removed.status).toBe(204);
  });

  it('the race: two Trust Admins removing each other at once leave exactly one', async () => {
    for (let round = 0; round < 3; round++) {
      const { trust, admin2fa } = await trustWith2fa();
      const second = await person(trust, admin2fa, [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }]);
      const [firstOfSecond, firstOfAdmin] = await Promise.all([trustAdminAssignment(trust, second.user.id), trustAdminAssignment(trust, trust.adminId)]);
      const answers = await Promise.all([
        call('DELETE', `/users/${second.user.id}/roles/${firstOfSecond}`, { token: admin2fa }),
        call('DELETE', `/users/${trust.adminId}/roles/${firstOfAdmin}`, { token: second.token }),
      ]);
      // Exactly one removal lands. The other is refused as the last admin's when the two overlap, or
      // finds its caller no longer an admin (the target is then outside its reach: 404) when it ran second.
      const [won, lost] = answers[0]!.status === 204 ? [answers[0]!, answers[1]!] : [answers[1]!, answers[0]!];
      expect(won.status, JSON.stringify(answers.map((a) => a.body))).toBe(204);
      expect([`409 last_admin`, `404 not_found`]).toContain(`${lost.status} ${lost.body.code}`);
      const winner = { ...trust, token: answers[0]!.status === 204 ? admin2fa : second.token };
      const left = await Promise.all([trust.adminId, second.user.id].map(async (id) => (await rolesOf(winner, id)).some((r) => r.roleId === presetIds.trustAdmin)));
      expect(left.filter(Boolean)).toHaveLength(1);
    }
  });

  it('the race: two Trust Admins deactivating each other at once leave exactly one active', async () => {
    const { trust, admin2fa } = await trustWith2fa();
    const second = await person(trust, admin2fa, [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }]);
    const answers = await Promise.all([
      call('POST', `/users/${second.user.id}/deactivate`, { token: admin2fa }),
      call('POST', `/users/${trust.adminId}/deactivate`, { token: second.token }),
    ]);
    // One lands; the other is refused as the last admin's, or (when it ran second) its caller's session is already over (401).
    const [won, lost] = answers[0]!.status === 200 ? [answers[0]!, answers[1]!] : [answers[1]!, answers[0]!];
    expect(won.status, JSON.stringify(answers.map((a) => a.body))).toBe(200);
    expect([`409 last_admin`, `401 session_revoked`]).toContain(`${lost.status} ${lost.body.code}`);
    const statuses = await Promise.all([trust.adminId, second.user.id].map(async (id) => (await profileItem(trust, id)).status));
    expect(statuses.sort()).toEqual(['active', 'inactive']);
  });

  it('refuses to drop org.manage from the role the last admins hold, by PATCH /roles and by PUT /access-matrix', async () => {
    const { trust, admin2fa } = await trustWith2fa();
    const runnerRole = await call('POST', '/roles', {
      token: admin2fa,
      body: { name: 'Trust Runner', scope: 'trust', permissions: ['org.manage', 'roles.define', 'roles.assign', 'users.view'], assignableRoles: [presetIds.trustAdmin] },
    });
    expect(runnerRole.status).toBe(201);
    const runner = await person(trust, admin2fa, [{ roleId: runnerRole.body.id, nodeId: trust.rootId }]);
    // While the Trust Admin stays, narrowing is fine; the runner then takes the Trust Admin role away.
    expect((await call('DELETE', `/users/${trust.adminId}/roles/${await trustAdminAssignment(trust, trust.adminId)}`, { token: runner.token })).status).toBe(204);

    const narrowed = ['roles.define', 'roles.assign', 'users.view'];
    const patch = await call('PATCH', `/roles/${runnerRole.body.id}`, { token: runner.token, headers: { 'if-match': String(runnerRole.body.version) }, body: { permissions: narrowed } });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('last_admin');
    const matrix = await call('GET', '/access-matrix', { token: runner.token });
    const put = await call('PUT', '/access-matrix', { token: runner.token, headers: { 'if-match': matrix.headers.get('etag')! }, body: { grants: { [runnerRole.body.id]: narrowed } } });
    expect(put.status).toBe(409);
    expect(put.body.code).toBe('last_admin');
    const role = (await call('GET', '/roles', { token: runner.token })).body.items.find((r: { id: string }) => r.id === runnerRole.body.id);
    expect(role.permissions).toContain('org.manage');
    expect((await call('GET', '/trust/settings', { token: runner.token })).status).toBe(200);
  });
});
