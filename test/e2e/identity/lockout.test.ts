import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf, mailTo, patchProfile, profileItem, setIdentityPolicies, signIn } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeMember, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

const WRONG = 'Wrong-Password-99';

let trust: TestTrust;
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
});

/** A staff member at North School, active and signed in once. */
const northStaff = () => actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });

describe('lockout in POST /auth/login', () => {
  it('answers 401 to the first five wrong passwords, then 423 even to the right one', async () => {
    const { user } = await northStaff();
    for (let i = 1; i <= 5; i++) {
      const wrong = await signIn(user.email, WRONG);
      expect(wrong.status, `attempt ${i}`).toBe(401);
      expect(wrong.body.code).toBe('invalid_credentials');
    }
    const right = await signIn(user.email, TEST_PASSWORD);
    expect(right.status).toBe(423);
    expect(right.body.code).toBe('account_locked');
    expect(right.body.accessToken).toBeUndefined();
    const profile = await profileItem(trust, user.id);
    expect(profile).toMatchObject({ status: 'locked', failedLogins: 5 });
    expect(Date.parse(profile.lockedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('emails the person once when the account locks', async () => {
    const { user } = await northStaff();
    for (let i = 0; i < 7; i++) await signIn(user.email, WRONG);
    const mail = await mailTo(user.email);
    const locked = mail.filter((m) => /account is locked/.test(m.subject));
    expect(locked).toHaveLength(1);
    expect(locked[0]!.text).toContain('locked after 5 failed sign-in attempts');
    expect(locked[0]!.text).toContain('Ask your administrator to unlock it');
  });

  it('audits every failed sign-in and the lock, filed under the person\'s school', async () => {
    const { user } = await northStaff();
    for (let i = 0; i < 5; i++) await signIn(user.email, WRONG);
    const records = await auditOf(trust, user.id);
    const failed = records.filter((r) => r.action === 'login.failed');
    expect(failed.map((r) => r.after.failedLogins).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(failed.every((r) => r.actorId === user.id && r.after.reason === 'password' && r.nodeId === node('North School'))).toBe(true);
    expect(records.filter((r) => r.action === 'user.locked')).toEqual([expect.objectContaining({ actorId: 'system', nodeId: node('North School') })]);
  });

  it('counts only consecutive failures: a successful sign-in resets the counter', async () => {
    const { user } = await northStaff();
    for (let i = 0; i < 4; i++) expect((await signIn(user.email, WRONG)).status).toBe(401);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    expect((await profileItem(trust, user.id)).failedLogins).toBe(0);
    for (let i = 0; i < 4; i++) expect((await signIn(user.email, WRONG)).status).toBe(401);
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('locks on 30 concurrent wrong passwords, lets none through, locks once, and then refuses the right password', async () => {
    const { user } = await northStaff();
    const attempts = await Promise.all(Array.from({ length: 30 }, () => signIn(user.email, WRONG)));
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(0);
    expect(attempts.every((a) => a.status === 401 || a.status === 423)).toBe(true);
    expect(attempts.every((a) => a.body.accessToken === undefined)).toBe(true);
    const profile = await profileItem(trust, user.id);
    expect(profile.status).toBe('locked');
    expect(profile.failedLogins).toBeGreaterThanOrEqual(5);
    const right = await signIn(user.email, TEST_PASSWORD);
    expect(right.status).toBe(423);
    const records = await auditOf(trust, user.id);
    expect(records.filter((r) => r.action === 'user.locked')).toHaveLength(1);
    expect((await mailTo(user.email)).filter((m) => /account is locked/.test(m.subject))).toHaveLength(1);
  });

  it('keeps the unknown-email and wrong-password answers identical', async () => {
    const { user } = await northStaff();
    const unknown = await signIn(`nobody-${Date.now()}@test.example`, WRONG);
    const wrong = await signIn(user.email, WRONG);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('unlocks by itself after the trust\'s autoUnlockMinutes, and not before', async () => {
    const own = await makeTrust([]);
    await setIdentityPolicies(own, { autoUnlockMinutes: 15 });
    const member = await makeMember(own);
    await patchProfile(own, member.account.id, { status: 'locked', failedLogins: 5, lockedAt: new Date(Date.now() - 14 * 60_000).toISOString() });
    expect((await signIn(member.email, TEST_PASSWORD)).status).toBe(423);
    await patchProfile(own, member.account.id, { lockedAt: new Date(Date.now() - 16 * 60_000).toISOString() });
    const response = await signIn(member.email, TEST_PASSWORD);
    expect(response.status).toBe(200);
    expect(await profileItem(own, member.account.id)).toMatchObject({ status: 'active', failedLogins: 0 });
    expect((await auditOf(own, member.account.id)).filter((r) => r.action === 'user.unlocked')).toEqual([
      expect.objectContaining({ actorId: 'system', after: expect.objectContaining({ reason: 'auto_unlock' }) }),
    ]);
  });

  it('follows a trust\'s own limit', async () => {
    const own = await makeTrust([]);
    await setIdentityPolicies(own, { maxFailedLogins: 3 });
    const member = await makeMember(own);
    for (let i = 0; i < 3; i++) expect((await signIn(member.email, WRONG)).status).toBe(401);
    expect((await signIn(member.email, TEST_PASSWORD)).status).toBe(423);
  });
});

describe('POST /users/{id}/unlock', () => {
  it('makes a locked account active with a fresh counter, audited, and the person can sign in again', async () => {
    const { user } = await northStaff();
    for (let i = 0; i < 5; i++) await signIn(user.email, WRONG);
    const before = await call('GET', `/users/${user.id}`, { token: trust.token });
    expect(before.body.status).toBe('locked');
    const response = await call('POST', `/users/${user.id}/unlock`, { token: trust.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, status: 'active', version: before.body.version + 1 });
    expect(await profileItem(trust, user.id)).toMatchObject({ status: 'active', failedLogins: 0 });
    expect((await profileItem(trust, user.id)).lockedAt).toBeUndefined();
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    expect((await auditOf(trust, user.id)).filter((r) => r.action === 'user.unlocked')).toEqual([
      expect.objectContaining({ actorId: trust.adminId, nodeId: node('North School'), before: expect.objectContaining({ status: 'locked' }) }),
    ]);
  });

  it('lets a cluster admin unlock their own cluster\'s staff and answers 404 for anyone elsewhere', async () => {
    const clusterAdmin = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const north = await northStaff();
    const south = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] });
    for (const person of [north.user, south.user]) for (let i = 0; i < 5; i++) await signIn(person.email, WRONG);
    expect((await call('POST', `/users/${north.user.id}/unlock`, { token: clusterAdmin.token })).status).toBe(200);
    const outside = await call('POST', `/users/${south.user.id}/unlock`, { token: clusterAdmin.token });
    expect(outside.status).toBe(404);
    expect((await profileItem(trust, south.user.id)).status).toBe('locked');
  });

  it('answers 403 to someone who may unlock nobody', async () => {
    const teacher = await northStaff();
    const other = await northStaff();
    const response = await call('POST', `/users/${other.user.id}/unlock`, { token: teacher.token });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });

  it('answers 409 not_locked for an inactive account and 200 unchanged for an active one', async () => {
    const member = await makeMember(trust, 'inactive');
    const inactive = await call('POST', `/users/${member.account.id}/unlock`, { token: trust.token });
    expect(inactive.status).toBe(409);
    expect(inactive.body.code).toBe('not_locked');
    const { user } = await northStaff();
    const active = await call('POST', `/users/${user.id}/unlock`, { token: trust.token });
    expect(active.status).toBe(200);
    expect(active.body.version).toBe((await profileItem(trust, user.id)).version);
  });
});
