import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, login } from '../../fixtures/api';
import { auditOf, nextSecond, profileItem, signIn, totpCode, wrongCode } from '../../fixtures/identity';
import { waitForMail } from '../../fixtures/mail';
import { activate, createUser, type NewUser } from '../../fixtures/people';
import { enableTotp, signInWithTotp } from '../../fixtures/totp';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
/** The Trust Admin in a session that passed TOTP (granting sensitive roles needs one). */
let admin2fa: string;
const node = (name: string) => trust.nodes[name]!.id;

/** A person the 2FA admin creates, activated, with TOTP on and a 2FA session. */
async function personWithTotp(input: NewUser, owner = trust, ownerToken = admin2fa) {
  const user = await createUser(ownerToken, input);
  const passwordToken = await activate(owner, user);
  const secret = await enableTotp(passwordToken);
  const { accessToken } = await signInWithTotp(user.email, secret);
  return { user, secret, passwordToken, token: accessToken };
}

const teacherAt = (school: string): NewUser => ({ memberships: [{ nodeId: node(school) }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }] });

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await enableTotp(trust.token);
  admin2fa = (await signInWithTotp(trust.adminEmail, secret)).accessToken;
});

describe('DELETE /me/mfa/totp', () => {
  it('turns TOTP off with a current code: audited, and the next sign-in needs only the password', async () => {
    const teacher = await personWithTotp(teacherAt('North School'));
    const response = await call('DELETE', '/me/mfa/totp', { token: teacher.token, body: { code: totpCode(teacher.secret) } });
    expect(response.status).toBe(204);
    expect((await call('GET', '/me', { token: teacher.token })).body.mfaEnabled).toBe(false);
    const profile = await profileItem(trust, teacher.user.id);
    expect(profile.mfaEnabledAt).toBeUndefined();
    expect((await auditOf(trust, teacher.user.id)).map((r) => r.action)).toContain('mfa.disabled');
    expect((await login(teacher.user.email, 'Correct-Horse-42')).accessToken).toEqual(expect.any(String));
  });

  it('refuses a session that did not pass TOTP (403 mfa_required), so a stolen password-only session cannot lower the account', async () => {
    const teacher = await personWithTotp(teacherAt('North School'));
    const response = await call('DELETE', '/me/mfa/totp', { token: teacher.passwordToken, body: { code: totpCode(teacher.secret) } });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('mfa_required');
    expect((await profileItem(trust, teacher.user.id)).mfaEnabled).toBe(true);
  });

  it('answers a wrong code with 400 invalid_mfa_code naming the field, counts it as a failed sign-in, and leaves TOTP on', async () => {
    const teacher = await personWithTotp(teacherAt('North School'));
    const response = await call('DELETE', '/me/mfa/totp', { token: teacher.token, body: { code: wrongCode(teacher.secret) } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_mfa_code');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'code' })]);
    const profile = await profileItem(trust, teacher.user.id);
    expect(profile).toMatchObject({ mfaEnabled: true, failedLogins: 1 });
    expect((await signIn(teacher.user.email, 'Correct-Horse-42')).body.challenge).toBe('MFA_TOTP');
  });

  it('refuses with 409 mfa_required_by_role a DSL, and someone whose DSL role only starts next week', async () => {
    const school = node('North School');
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
    for (const roles of [
      [{ roleId: presetIds.designatedSafeguardingLead, nodeId: school }],
      [{ roleId: presetIds.teacher, nodeId: school }, { roleId: presetIds.designatedSafeguardingLead, nodeId: school, validFrom: nextWeek }],
    ]) {
      const dsl = await personWithTotp({ memberships: [{ nodeId: school }], roles });
      const response = await call('DELETE', '/me/mfa/totp', { token: dsl.token, body: { code: totpCode(dsl.secret) } });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('mfa_required_by_role');
      expect((await profileItem(trust, dsl.user.id)).mfaEnabled).toBe(true);
    }
  });

  it("refuses an administrator while the trust requires 2FA for admins, and lets them once it does not", async () => {
    const own = await makeTrust();
    const ownSecret = await enableTotp(own.token);
    const ownAdmin = (await signInWithTotp(own.adminEmail, ownSecret)).accessToken;
    const school = own.nodes['North School']!.id;
    const schoolAdmin = await personWithTotp({ memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school }] }, own, ownAdmin);
    const settings = await call('GET', '/trust/settings', { token: ownAdmin });
    const on = await call('PATCH', '/trust/settings', { token: ownAdmin, headers: { 'if-match': settings.headers.get('etag')! }, body: { policies: { requireMfaForAdmins: true } } });
    expect(on.status).toBe(200);
    const refused = await call('DELETE', '/me/mfa/totp', { token: schoolAdmin.token, body: { code: totpCode(schoolAdmin.secret) } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('mfa_required_by_role');
    await call('PATCH', '/trust/settings', { token: ownAdmin, headers: { 'if-match': String(on.body.version) }, body: { policies: { requireMfaForAdmins: false } } });
    expect((await call('DELETE', '/me/mfa/totp', { token: schoolAdmin.token, body: { code: totpCode(schoolAdmin.secret) } })).status).toBe(204);
  });
});

describe('POST /users/{id}/mfa/reset', () => {
  it("lets a Trust Admin in a 2FA session reset a Head Teacher's lost authenticator: sessions end, the head is emailed, and signs in with the password alone and sets TOTP up again", async () => {
    const school = node('North School');
    const head = await personWithTotp({ memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.headTeacher, nodeId: school }] });
    const response = await call('POST', `/users/${head.user.id}/mfa/reset`, { token: admin2fa });
    expect(response.status).toBe(204);

    expect((await call('GET', '/me', { token: head.token })).status).toBe(401);
    const mail = await waitForMail(head.user.email, 2); // after the invitation
    expect(mail.subject).toMatch(/Two-factor sign-in was turned off/);
    const audit = (await auditOf(trust, head.user.id)).find((r) => r.action === 'mfa.reset');
    expect(audit).toMatchObject({ actorId: trust.adminId, before: { mfaEnabled: true }, after: { mfaEnabled: false } });

    // A lost phone never means a lost account: the password alone works, and TOTP can be set up again.
    await nextSecond(); // the reset cut every session up to and including its own second
    const fresh = await signIn(head.user.email, 'Correct-Horse-42');
    expect(fresh.status).toBe(200);
    expect(fresh.body.accessToken).toEqual(expect.any(String));
    expect((await call('GET', '/me', { token: fresh.body.accessToken })).body.mfaEnabled).toBe(false);
    const secret = await enableTotp(fresh.body.accessToken);
    expect((await signIn(head.user.email, 'Correct-Horse-42')).body.challenge).toBe('MFA_TOTP');
    const again = await signInWithTotp(head.user.email, secret);
    const permissions = await call('GET', `/me/permissions?nodeId=${school}`, { token: again.accessToken });
    expect(permissions.body.permissions).toContain('safeguarding.allegations.manage');
  });

  it('refuses a Trust Admin session that did not pass 2FA (403 mfa_required)', async () => {
    const teacher = await personWithTotp(teacherAt('North School'));
    const response = await call('POST', `/users/${teacher.user.id}/mfa/reset`, { token: trust.token });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('mfa_required');
    expect((await profileItem(trust, teacher.user.id)).mfaEnabled).toBe(true);
  });

  it('refuses a School Admin, who does not hold users.reset_mfa, even in a 2FA session', async () => {
    const school = node('North School');
    const schoolAdmin = await personWithTotp({ memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school }] });
    const teacher = await personWithTotp(teacherAt('North School'));
    const response = await call('POST', `/users/${teacher.user.id}/mfa/reset`, { token: schoolAdmin.token });
    expect(response.status).toBe(403);
    expect((await profileItem(trust, teacher.user.id)).mfaEnabled).toBe(true);
  });

  it("the attack: a school's IT admin given users.reset_mfa resets a teacher they dominate, but not the Head Teacher (403 outranked), nobody outside their school (404), nor themself", async () => {
    const school = node('North School');
    const role = await call('POST', '/roles', {
      token: admin2fa,
      body: { name: `School IT ${Date.now()}`, scope: 'school', permissions: ['users.view', 'users.reset_mfa'], assignableRoles: [presetIds.teacher] },
    });
    expect(role.status).toBe(201);
    const it = await personWithTotp({ memberships: [{ nodeId: school }], roles: [{ roleId: role.body.id, nodeId: school }] });
    const head = await personWithTotp({ memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.headTeacher, nodeId: school }] });
    const teacher = await personWithTotp(teacherAt('North School'));
    const elsewhere = await personWithTotp(teacherAt('South School'));

    const outranked = await call('POST', `/users/${head.user.id}/mfa/reset`, { token: it.token });
    expect(outranked.status).toBe(403);
    expect(outranked.body.code).toBe('outranked');
    expect((await profileItem(trust, head.user.id)).mfaEnabled).toBe(true);
    expect((await call('GET', '/me', { token: head.token })).status).toBe(200);

    expect((await call('POST', `/users/${elsewhere.user.id}/mfa/reset`, { token: it.token })).status).toBe(404);
    expect((await call('POST', `/users/${it.user.id}/mfa/reset`, { token: it.token })).status).toBe(403);
    expect((await call('POST', `/users/${teacher.user.id}/mfa/reset`, { token: it.token })).status).toBe(204);
    expect((await profileItem(trust, teacher.user.id)).mfaEnabled).toBe(false);
  });
});
