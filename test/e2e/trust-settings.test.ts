import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { signIn } from '../fixtures/identity';
import { actor, createUser } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

let trust: TestTrust;

const patch = (token: string, version: string | undefined, body: unknown) =>
  call('PATCH', '/trust/settings', { token, body, ...(version === undefined ? {} : { headers: { 'if-match': version } }) });

const trustAudit = async (own: TestTrust) =>
  (await call('GET', `/audit?targetId=${own.trustId}`, { token: own.token })).body.items as { action: string; before: any; after: any }[];

beforeAll(async () => {
  trust = await makeTrust();
});

describe('GET /trust/settings', () => {
  it("shows the trust's name, every policy with its default, and the version as an ETag", async () => {
    const response = await call('GET', '/trust/settings', { token: trust.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      name: expect.stringMatching(/^Test Trust /),
      policies: { maxFailedLogins: 5, autoUnlockMinutes: null, requireMfaForAdmins: false, clusterRolesMembersOnly: false, digestHour: 7, timeZone: 'Europe/London', notificationDefaults: {} },
      version: 1,
    });
    expect(response.headers.get('etag')).toBe('"1"');
  });

  it('is only for org.manage at the trust: a Cluster Administrator (org.manage at a cluster) gets 403', async () => {
    const north = trust.nodes.North!.id;
    const cluster = await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] });
    expect((await call('GET', '/trust/settings', { token: cluster.token })).status).toBe(403);
    const write = await patch(cluster.token, '1', { policies: { maxFailedLogins: 100 } });
    expect(write.status).toBe(403);
  });
});

describe('PATCH /trust/settings', () => {
  it('needs If-Match (428) with the current version (412)', async () => {
    const own = await makeTrust();
    expect((await patch(own.token, undefined, { name: 'X' })).status).toBe(428);
    const stale = await patch(own.token, '7', { name: 'X' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('version_conflict');
  });

  it('answers 400 naming the field for a zone that is not IANA, an hour past 23 and an unknown policy', async () => {
    for (const [policies, path] of [
      [{ timeZone: 'BST' }, 'policies.timeZone'],
      [{ digestHour: 24 }, 'policies.digestHour'],
      [{ maxFailedLogins: 0 }, 'policies.maxFailedLogins'],
      [{ membersOnly: true }, 'policies.membersOnly'],
    ] as const) {
      const response = await patch(trust.token, '1', { policies });
      expect(response.status, JSON.stringify(policies)).toBe(400);
      expect(response.body.errors, JSON.stringify(policies)).toEqual([expect.objectContaining({ path })]);
    }
    expect((await call('GET', '/trust/settings', { token: trust.token })).body.version).toBe(1);
  });

  it('changes only what it names, bumps the version, and is audited with before and after', async () => {
    const own = await makeTrust();
    const response = await patch(own.token, '"1"', { name: 'Oak Learning Trust', policies: { timeZone: 'Europe/Dublin', digestHour: 18, autoUnlockMinutes: 30 } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      name: 'Oak Learning Trust',
      policies: { maxFailedLogins: 5, autoUnlockMinutes: 30, requireMfaForAdmins: false, clusterRolesMembersOnly: false, digestHour: 18, timeZone: 'Europe/Dublin', notificationDefaults: {} },
      version: 2,
    });
    expect(response.headers.get('etag')).toBe('"2"');
    expect((await call('GET', '/trust/settings', { token: own.token })).body).toEqual(response.body);
    expect((await call('GET', '/me', { token: own.token })).body.trust.name).toBe('Oak Learning Trust');
    const record = (await trustAudit(own)).find((r) => r.action === 'trust.settings_changed');
    expect(record?.before).toMatchObject({ name: expect.stringMatching(/^Test Trust /), policies: { timeZone: 'Europe/London', autoUnlockMinutes: null } });
    expect(record?.after).toMatchObject({ name: 'Oak Learning Trust', policies: { timeZone: 'Europe/Dublin', digestHour: 18, autoUnlockMinutes: 30 } });
    expect((await patch(own.token, '1', { name: 'Late' })).status).toBe(412);
  });

  it('the policies take effect: the lockout limit and cluster roles only for cluster members', async () => {
    const own = await makeTrust();
    const changed = await patch(own.token, '1', { policies: { maxFailedLogins: 2, clusterRolesMembersOnly: true } });
    expect(changed.status).toBe(200);
    const south = own.nodes.South!.id;
    const outsider = await createUser(own.token, { memberships: [{ nodeId: own.nodes['North School']!.id }] });
    const assign = await call('POST', `/users/${outsider.id}/roles`, { token: own.token, body: { roleId: presetIds.staff, nodeId: south } });
    expect(assign.status).toBe(409);
    expect(assign.body.code).toBe('not_a_member');

    const member = await actor(own, { memberships: [{ nodeId: own.nodes['North School']!.id }] });
    expect((await signIn(member.user.email, 'Wrong-Password-99')).status).toBe(401);
    expect((await signIn(member.user.email, 'Wrong-Password-99')).status).toBe(401);
    expect((await signIn(member.user.email, TEST_PASSWORD)).status).toBe(423);
  });

  it('refuses to switch on 2FA for admins from a session without 2FA (403 mfa_required), so nobody locks themself out', async () => {
    const own = await makeTrust();
    const response = await patch(own.token, '1', { policies: { requireMfaForAdmins: true } });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('mfa_required');
    expect((await call('GET', '/trust/settings', { token: own.token })).body.policies.requireMfaForAdmins).toBe(false);
  });
});

describe('a change of policies and grants planned before it (review C, 9)', () => {
  it('moves the version every grant is planned on, so a grant judged under the old policies is planned again; a rename alone does not', async () => {
    const own = await makeTrust();
    const { documentClient, tableName } = await import('../../functions/adapters/dynamo/client');
    const { keys } = await import('../../functions/adapters/dynamo/keys');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const treeVersion = async () =>
      Number((await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.trustMeta(own.trustId), ConsistentRead: true }))).Item!.treeVersion);
    const before = await treeVersion();
    expect((await patch(own.token, '1', { name: 'Renamed Trust' })).status).toBe(200);
    expect(await treeVersion()).toBe(before);
    expect((await patch(own.token, '2', { policies: { clusterRolesMembersOnly: true } })).status).toBe(200);
    expect(await treeVersion()).toBe(before + 1);
  });
});
