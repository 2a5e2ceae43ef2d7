import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, login, type ApiResponse } from '../../fixtures/api';
import { auditOf, patchProfile, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { activate, actor, createUser, uniqueEmail, type NewUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * The identity guard and the self-change rule, written as the attacks: a
 * lower admin trying to take over a more senior account by changing how it
 * signs in, and people trying to change their own blocks, roles and
 * placements.
 */

let trust: TestTrust;
/** The trust admin in a session that passed 2FA (needed to hand out sensitive roles). */
let admin2fa: string;
let schoolAdmin: { user: any; token: string };

const node = (name: string) => trust.nodes[name]!.id;
const northSchool = () => node('North School');
const headBody = (): NewUser => ({ memberships: [{ nodeId: northSchool() }], roles: [{ roleId: presetIds.headTeacher, nodeId: northSchool() }] });
const teacherBody = (): NewUser => ({ memberships: [{ nodeId: northSchool() }], roles: [{ roleId: presetIds.teacher, nodeId: northSchool() }] });
const get = async (userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body;

type Status = 'invited' | 'active' | 'inactive' | 'locked';
const stateFor: Record<Status, Record<string, unknown>> = {
  invited: {},
  active: { status: 'active' },
  inactive: { status: 'inactive' },
  locked: { status: 'locked', failedLogins: 5, lockedAt: new Date().toISOString() },
};

/** A person created by `token` and put straight into `status`. */
async function personIn(token: string, body: NewUser, status: Status) {
  const user = await createUser(token, body);
  if (status !== 'invited') await patchProfile(trust, user.id, stateFor[status]);
  return get(user.id);
}

const patchEmail = (token: string, user: { id: string; version: number }, email = uniqueEmail('moved')) =>
  call('PATCH', `/users/${user.id}`, { token, body: { email }, headers: { 'if-match': `"${user.version}"` } });

/** Each action that changes how a person signs in or whether they can, with the state it needs and what success answers. */
const signInActions: { name: string; status: Status; ok: number; run: (token: string, user: any) => Promise<ApiResponse> }[] = [
  { name: 'email change', status: 'active', ok: 200, run: (token, user) => patchEmail(token, user) },
  { name: 'admin password reset', status: 'active', ok: 202, run: (token, user) => call('POST', `/users/${user.id}/password-reset`, { token }) },
  { name: 'invitation re-send', status: 'invited', ok: 202, run: (token, user) => call('POST', `/users/${user.id}/invitation`, { token }) },
  { name: 'deactivate', status: 'active', ok: 200, run: (token, user) => call('POST', `/users/${user.id}/deactivate`, { token }) },
  { name: 'activate', status: 'inactive', ok: 200, run: (token, user) => call('POST', `/users/${user.id}/activate`, { token }) },
  { name: 'unlock', status: 'locked', ok: 200, run: (token, user) => call('POST', `/users/${user.id}/unlock`, { token }) },
  // A locked account gets a reset link too (review F, F-1): the guard applies as for an active one.
  { name: 'admin password reset of a locked account', status: 'locked', ok: 202, run: (token, user) => call('POST', `/users/${user.id}/password-reset`, { token }) },
];

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await turnOnTotp(trust.token);
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, secret);
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: northSchool() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: northSchool() }] });
}, 60_000);

describe('the identity guard: a School Admin trying to take over the Head Teacher', () => {
  for (const action of signInActions) {
    it(`answers 403 outranked to the ${action.name} of the head, and changes nothing`, async () => {
      const head = await personIn(admin2fa, headBody(), action.status);
      const mailBefore = (await mailTo(head.email)).length;
      const response = await action.run(schoolAdmin.token, head);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('outranked');
      const after = await get(head.id);
      expect(after).toMatchObject({ email: head.email, status: head.status, version: head.version });
      expect(await mailTo(head.email)).toHaveLength(mailBefore); // no link, no notice
    });

    it(`lets the same School Admin do the ${action.name} of a Teacher of their school`, async () => {
      const teacher = await personIn(trust.token, teacherBody(), action.status);
      const response = await action.run(schoolAdmin.token, teacher);
      expect(response.status, JSON.stringify(response.body)).toBe(action.ok);
    });
  }

  it('still lets the School Admin correct the head\'s name: a name does not change how anyone signs in', async () => {
    const head = await personIn(admin2fa, headBody(), 'active');
    const response = await call('PATCH', `/users/${head.id}`, { token: schoolAdmin.token, body: { lastName: 'Corrected' }, headers: { 'if-match': `"${head.version}"` } });
    expect(response).toMatchObject({ status: 200, body: { lastName: 'Corrected', email: head.email } });
  });

  it('cannot chain an email change, a reset to the new address and a sign-in into the head\'s account', async () => {
    const head = await personIn(admin2fa, headBody(), 'active');
    const attackerInbox = uniqueEmail('attacker');
    expect((await patchEmail(schoolAdmin.token, head, attackerInbox)).status).toBe(403);
    expect((await call('POST', '/auth/password-reset', { body: { email: attackerInbox } })).status).toBe(202);
    expect((await call('POST', `/users/${head.id}/password-reset`, { token: schoolAdmin.token })).status).toBe(403);
    expect(await mailTo(attackerInbox)).toEqual([]);
  });
});

describe('the identity guard for a Trust Admin: sensitive roles need a 2FA session', () => {
  it('answers 403 mfa_required to the trust admin without 2FA, and lets the same admin through with 2FA', async () => {
    const head = await personIn(admin2fa, headBody(), 'active');
    const without = await patchEmail(trust.token, head);
    expect(without).toMatchObject({ status: 403, body: { code: 'mfa_required' } });
    expect((await call('POST', `/users/${head.id}/password-reset`, { token: trust.token })).body.code).toBe('mfa_required');
    const moved = uniqueEmail('head');
    expect(await patchEmail(admin2fa, head, moved)).toMatchObject({ status: 200, body: { email: moved } });
    expect((await call('POST', `/users/${head.id}/password-reset`, { token: admin2fa })).status).toBe(202);
  });
});

describe('the identity guard for a Cluster Administrator', () => {
  it('is outranked by a person in its cluster who also holds a role outside it', async () => {
    const ca = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const spanning = await personIn(trust.token, {
      memberships: [{ nodeId: northSchool() }, { nodeId: node('South School') }],
      roles: [{ roleId: presetIds.teacher, nodeId: northSchool() }, { roleId: presetIds.teachingAssistant, nodeId: node('South School') }],
    }, 'active');
    for (const path of ['password-reset', 'deactivate']) {
      const response = await call('POST', `/users/${spanning.id}/${path}`, { token: ca.token });
      expect([path, response.status, response.body.code]).toEqual([path, 403, 'outranked']);
    }
    expect(await patchEmail(ca.token, spanning)).toMatchObject({ status: 403, body: { code: 'outranked' } });
    const local = await personIn(trust.token, teacherBody(), 'active');
    expect((await call('POST', `/users/${local.id}/password-reset`, { token: ca.token })).status).toBe(202);
  });
});

describe('an email change', () => {
  it('emails a notice to the old address, is audited with both addresses, and moves the sign-in', async () => {
    const teacher = await createUser(trust.token, teacherBody());
    await activate(trust, teacher);
    const current = await get(teacher.id);
    const moved = uniqueEmail('moved');
    expect((await patchEmail(schoolAdmin.token, current, moved)).status).toBe(200);
    const notices = (await mailTo(teacher.email)).filter((mail) => /sign-in email .* was changed/.test(mail.subject));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).not.toContain(moved);
    const record = (await auditOf(trust, teacher.id)).find((entry) => entry.action === 'user.updated');
    expect(record).toMatchObject({ actorId: schoolAdmin.user.id, before: { email: teacher.email }, after: { email: moved } });
    await expect(login(moved, TEST_PASSWORD)).resolves.toHaveProperty('accessToken');
  });
});

describe('nobody changes their own blocks, roles, placements or sign-in email', () => {
  it('refuses the blocked DSL lifting or rewriting their own block (403 self_change); the block stays', async () => {
    const dsl = await createUser(admin2fa, { memberships: [{ nodeId: northSchool() }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: northSchool() }] });
    const dslToken = await activate(trust, dsl);
    const pupil = randomUUID();
    const block = { schoolId: northSchool(), reason: 'Allegation under investigation' };
    expect((await call('PUT', `/users/${dsl.id}/blocks/${pupil}`, { token: trust.token, body: block })).status).toBe(200);

    const lift = await call('DELETE', `/users/${dsl.id}/blocks/${pupil}`, { token: dslToken });
    expect(lift).toMatchObject({ status: 403, body: { code: 'self_change' } });
    const rewrite = await call('PUT', `/users/${dsl.id}/blocks/${pupil}`, { token: dslToken, body: { schoolId: northSchool(), reason: 'resolved' } });
    expect(rewrite).toMatchObject({ status: 403, body: { code: 'self_change' } });
    const blocks = (await call('GET', `/users/${dsl.id}/blocks`, { token: trust.token })).body;
    expect(JSON.stringify(blocks)).toContain('Allegation under investigation');
    // Someone else who manages blocks there still can.
    expect((await call('DELETE', `/users/${dsl.id}/blocks/${pupil}`, { token: trust.token })).status).toBe(204);
  });

  it('refuses a Trust Admin adding a role to themself or removing their own, even in a 2FA session', async () => {
    const before = await get(trust.adminId);
    const add = await call('POST', `/users/${trust.adminId}/roles`, { token: admin2fa, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: northSchool() } });
    expect(add).toMatchObject({ status: 403, body: { code: 'self_change' } });
    const own = before.roles.find((r: any) => r.roleId === presetIds.trustAdmin);
    const remove = await call('DELETE', `/users/${trust.adminId}/roles/${own.id}`, { token: admin2fa });
    expect(remove).toMatchObject({ status: 403, body: { code: 'self_change' } });
    expect((await get(trust.adminId)).roles).toEqual(before.roles);
  });

  it('refuses placing oneself (which could satisfy the members-only rule or name oneself a manager)', async () => {
    const put = await call('PUT', `/users/${schoolAdmin.user.id}/memberships/${northSchool()}`, { token: schoolAdmin.token, body: { isManager: true } });
    expect(put).toMatchObject({ status: 403, body: { code: 'self_change' } });
    const remove = await call('DELETE', `/users/${schoolAdmin.user.id}/memberships/${northSchool()}`, { token: schoolAdmin.token });
    expect(remove).toMatchObject({ status: 403, body: { code: 'self_change' } });
    expect((await get(schoolAdmin.user.id)).memberships).toEqual([expect.objectContaining({ nodeId: northSchool(), isManager: false })]);
  });

  it('refuses moving one\'s own sign-in email, but lets one correct one\'s own name', async () => {
    const me = await get(schoolAdmin.user.id);
    expect(await patchEmail(schoolAdmin.token, me)).toMatchObject({ status: 403, body: { code: 'self_change' } });
    const renamed = await call('PATCH', `/users/${me.id}`, { token: schoolAdmin.token, body: { firstName: 'Sam' }, headers: { 'if-match': `"${me.version}"` } });
    expect(renamed).toMatchObject({ status: 200, body: { firstName: 'Sam', email: me.email } });
  });
});

describe('placing a person checks reach with the permission being used', () => {
  it('refuses a School Admin who can view the whole trust pulling a South School person into their school or giving them a role', async () => {
    const viewerAdmin = await actor(trust, {
      memberships: [{ nodeId: northSchool() }],
      roles: [{ roleId: presetIds.trustReportViewer, nodeId: trust.rootId }, { roleId: presetIds.schoolAdmin, nodeId: northSchool() }],
    });
    const southern = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    expect((await call('GET', `/users/${southern.id}`, { token: viewerAdmin.token })).status).toBe(200); // visible...
    // With no body at all: every field of the body is optional (review F, F-8).
    const place = await call('PUT', `/users/${southern.id}/memberships/${northSchool()}`, { token: viewerAdmin.token });
    expect(place.status).toBe(404); // ...but not theirs to place
    const grant = await call('POST', `/users/${southern.id}/roles`, { token: viewerAdmin.token, body: { roleId: presetIds.teacher, nodeId: northSchool() } });
    expect(grant.status).toBe(404);
    const after = await get(southern.id);
    expect(after.memberships.map((m: any) => m.nodeId)).toEqual([node('South School')]);
    expect(after.roles).toEqual([]);
  });
});
