import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf, nextSecond, patchProfile, profileItem, setIdentityPolicies, signIn } from '../../fixtures/identity';
import { linkIn, mailTo, type Mail } from '../../fixtures/mail';
import { actor, createUser } from '../../fixtures/people';
import { makeMember, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * A password reset for a locked account (API.md: a link for any account that
 * is not inactive; review F, F-1). The link is sent and works like an active
 * account's (new password, every session ended), and the lock stays until an
 * unlock. Invited and inactive accounts still get nothing.
 */

const WRONG = 'Wrong-Password-99';
const NEW_PASSWORD = 'Quarry-Violet-81';
let trust: TestTrust;
const school = () => trust.nodes['North School']!.id;

beforeAll(async () => {
  trust = await makeTrust();
});

const resetMails = async (email: string): Promise<Mail[]> => (await mailTo(email)).filter((m) => m.subject.startsWith('Reset your'));

/** A signed-in teacher at North School whose account five wrong passwords then locked. */
async function lockedTeacher(): Promise<{ user: any; token: string }> {
  const teacher = await actor(trust, { memberships: [{ nodeId: school() }], roles: [{ roleId: presetIds.teacher, nodeId: school() }] });
  for (let i = 0; i < 5; i++) await signIn(teacher.user.email, WRONG);
  expect((await signIn(teacher.user.email, TEST_PASSWORD)).status).toBe(423);
  expect((await profileItem(trust, teacher.user.id)).status).toBe('locked');
  return teacher;
}

describe('password reset of a locked account (review F, F-1)', () => {
  it('emails the link from the public route; confirming sets the password and ends sessions, and the lock stays until an unlock', async () => {
    const { user, token: oldSession } = await lockedTeacher();
    const old = await signIn(user.email, TEST_PASSWORD); // locked: no new session
    expect(old.status).toBe(423);

    expect((await call('POST', '/auth/password-reset', { body: { email: user.email } })).status).toBe(202);
    const mails = await resetMails(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('a new password does not unlock it');
    const { token } = linkIn(mails[0]!, 'reset-password');
    expect((await call('GET', `/reset-password?token=${token}`)).status).toBe(200);

    const confirmed = await call('POST', '/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } });
    expect(confirmed.status).toBe(204);
    // Still locked: the new password is refused with 423, without asking Cognito, like the old one.
    expect(await profileItem(trust, user.id)).toMatchObject({ status: 'locked', failedLogins: 5 });
    expect((await signIn(user.email, NEW_PASSWORD)).status).toBe(423);
    expect((await call('GET', `/users/${user.id}`, { token: trust.token })).body.status).toBe('locked');
    expect((await auditOf(trust, user.id)).map((r) => r.action)).toContain('password.reset_completed');

    // The unlock ends the lock; the session from before the reset stays ended, and only the new password works.
    expect((await call('POST', `/users/${user.id}/unlock`, { token: trust.token })).status).toBe(200);
    expect((await call('GET', '/me', { token: oldSession })).status).toBe(401);
    await nextSecond();
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(401);
    const fresh = await signIn(user.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    expect((await call('GET', '/me', { token: fresh.body.accessToken })).status).toBe(200);
  });

  it('lets an admin send the link to a locked account (202), and the auto-unlock ends the lock as usual', async () => {
    const own = await makeTrust([]);
    await setIdentityPolicies(own, { autoUnlockMinutes: 15 });
    const member = await makeMember(own);
    for (let i = 0; i < 5; i++) await signIn(member.email, WRONG);
    expect((await profileItem(own, member.account.id)).status).toBe('locked');
    const response = await call('POST', `/users/${member.account.id}/password-reset`, { token: own.token });
    expect(response).toMatchObject({ status: 202, body: { status: 'sent' } });
    const { token } = linkIn((await resetMails(member.email))[0]!, 'reset-password');
    expect((await call('POST', '/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } })).status).toBe(204);
    expect((await signIn(member.email, NEW_PASSWORD)).status).toBe(423);
    // The trust's 15 minutes have passed: the next sign-in unlocks the account and takes the new password.
    await patchProfile(own, member.account.id, { lockedAt: new Date(Date.now() - 16 * 60_000).toISOString() });
    await nextSecond();
    expect((await signIn(member.email, NEW_PASSWORD)).status).toBe(200);
    expect(await profileItem(own, member.account.id)).toMatchObject({ status: 'active', failedLogins: 0 });
  });

  it('keeps the public cooldown for a locked account: repeated requests send one link, an admin may still send another', async () => {
    const { user } = await lockedTeacher();
    for (let i = 0; i < 3; i++) expect((await call('POST', '/auth/password-reset', { body: { email: user.email } })).status).toBe(202);
    expect(await resetMails(user.email)).toHaveLength(1);
    expect((await call('POST', `/users/${user.id}/password-reset`, { token: trust.token })).status).toBe(202);
    expect(await resetMails(user.email)).toHaveLength(2);
  });

  it('a link sent while locked does nothing once the account is deactivated: no password, no reactivation', async () => {
    const { user } = await lockedTeacher();
    await call('POST', '/auth/password-reset', { body: { email: user.email } });
    const { token } = linkIn((await resetMails(user.email))[0]!, 'reset-password');
    expect((await call('POST', `/users/${user.id}/deactivate`, { token: trust.token })).status).toBe(200);
    const confirmed = await call('POST', '/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } });
    expect(confirmed).toMatchObject({ status: 410, body: { code: 'token_used' } });
    expect((await profileItem(trust, user.id)).status).toBe('inactive');
    // Brought back by an admin: the old password is still the one that works.
    expect((await call('POST', `/users/${user.id}/activate`, { token: trust.token })).status).toBe(200);
    expect((await signIn(user.email, NEW_PASSWORD)).status).toBe(401);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('the claim itself requires active or locked: a deactivation landing after the link was read (hash still there) sets nothing', async () => {
    const { user } = await lockedTeacher();
    await call('POST', '/auth/password-reset', { body: { email: user.email } });
    const { token } = linkIn((await resetMails(user.email))[0]!, 'reset-password');
    // As if the deactivation landed between the link check and the claim: the status changes, the live hash stays.
    await patchProfile(trust, user.id, { status: 'inactive' });
    const before = await profileItem(trust, user.id);
    expect(before.resetTokenHash).toBeDefined();
    const confirmed = await call('POST', '/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } });
    expect(confirmed).toMatchObject({ status: 410, body: { code: 'token_used' } });
    const after = await profileItem(trust, user.id);
    expect(after).toMatchObject({ status: 'inactive', version: before.version, resetTokenHash: before.resetTokenHash });
    expect((await auditOf(trust, user.id)).map((r) => r.action)).not.toContain('password.reset_completed');
    // Back to locked, then unlocked by the admin: the password is still the old one.
    await patchProfile(trust, user.id, { status: 'locked' });
    expect((await call('POST', `/users/${user.id}/unlock`, { token: trust.token })).status).toBe(200);
    expect((await signIn(user.email, NEW_PASSWORD)).status).toBe(401);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('still sends nothing to an invited or inactive account, and the admin route answers 409 not_active for both', async () => {
    const invited = await createUser(trust.token, { memberships: [{ nodeId: school() }] });
    const inactive = (await actor(trust, { memberships: [{ nodeId: school() }] })).user;
    expect((await call('POST', `/users/${inactive.id}/deactivate`, { token: trust.token })).status).toBe(200);
    for (const person of [invited, inactive]) {
      expect((await call('POST', '/auth/password-reset', { body: { email: person.email } })).status).toBe(202);
      expect(await resetMails(person.email)).toEqual([]);
      const admin = await call('POST', `/users/${person.id}/password-reset`, { token: trust.token });
      expect(admin).toMatchObject({ status: 409, body: { code: 'not_active' } });
      expect(await resetMails(person.email)).toEqual([]);
    }
  });
});
