import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { auditNodeOf, planDeactivate } from '../../domain/identity/lifecycle';
import { getAccount } from '../../functions/adapters/dynamo/account-repository';
import { callerOf, type Caller } from '../../functions/http/caller';
import { changeAccount } from '../../functions/shared/account-change';
import { changePerson } from '../../functions/users/person-change';
import { inviterOf, sendInvitation, sendPasswordReset } from '../../functions/identity/link-sending';
import { loadAccountTarget } from '../../functions/users/account-target';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { actor, createUser } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * An account action judged on a stale read (security review): a School Admin
 * loads a teacher (the identity guard passes: a School Admin dominates a
 * teacher), the Trust Admin makes the teacher Head Teacher meanwhile, and the
 * School Admin's write then meets the newer profile. The retry must judge the
 * teacher as they are now (outranked), not write the plan made for the
 * teacher as they were. Driven step by step on DynamoDB Local, since over
 * HTTP the window between read and write is too short to hit on purpose.
 */
let trust: TestTrust;
let schoolAdmin: Caller;
/** The Trust Admin in a 2FA session (granting Head Teacher, a sensitive role, needs one). */
let admin2fa: string;
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  const admin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
  schoolAdmin = await callerOf(trust.trustId, admin.user.id);
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
}, 60_000);

const teacherAt = (school: string) => ({ memberships: [{ nodeId: node(school) }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }] });
const makeHead = async (userId: string) =>
  expect((await call('POST', `/users/${userId}/roles`, { token: admin2fa, body: { roleId: presetIds.headTeacher, nodeId: node('North School') } })).status).toBe(201);

describe('an account action racing a grant to its target', () => {
  it('is judged again on the target as it is now: a teacher made Head Teacher meanwhile is not deactivated by a School Admin', async () => {
    const teacher = await createUser(trust.token, teacherAt('North School'));
    const { account: stale, person } = await loadAccountTarget(schoolAdmin, teacher.id, 'users.deactivate');
    await makeHead(teacher.id);
    const attempt = changeAccount({
      account: stale, actorId: schoolAdmin.account.id, nodeId: auditNodeOf(person),
      plan: (current) => planDeactivate(current, schoolAdmin.account.id, new Date()),
      reload: async () => (await loadAccountTarget(schoolAdmin, teacher.id, 'users.deactivate')).account,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'outranked' });
    expect((await getAccount({ trustId: trust.trustId, userId: teacher.id }))!.status).not.toBe('inactive');
  });

  it('still goes through when the target changed in a way that leaves the caller allowed', async () => {
    const teacher = await createUser(trust.token, teacherAt('North School'));
    const { account: stale, person } = await loadAccountTarget(schoolAdmin, teacher.id, 'users.deactivate');
    // Another placement: the profile moves on, the School Admin still dominates.
    expect((await call('PUT', `/users/${teacher.id}/memberships/${node('North School')}`, { token: trust.token, body: { primary: true, jobTitle: 'Teacher of maths' } })).status).toBe(200);
    const done = await changeAccount({
      account: stale, actorId: schoolAdmin.account.id, nodeId: auditNodeOf(person),
      plan: (current) => planDeactivate(current, schoolAdmin.account.id, new Date()),
      reload: async () => (await loadAccountTarget(schoolAdmin, teacher.id, 'users.deactivate')).account,
    });
    expect(done.status).toBe('inactive');
  });
});

describe('a person change racing a move out of reach', () => {
  it('checks visibility again on its retry: a placement does not land on someone moved out of the caller\'s school meanwhile', async () => {
    const teacher = await createUser(trust.token, teacherAt('North School'));
    let moved = false;
    const placing = changePerson(schoolAdmin, teacher.id, async (record) => {
      if (!moved) {
        // Between the School Admin's read and write, the Trust Admin moves the teacher to South School.
        moved = true;
        expect((await call('PUT', `/users/${teacher.id}/memberships/${node('South School')}`, { token: trust.token, body: { primary: true } })).status).toBe(200);
        expect((await call('DELETE', `/users/${teacher.id}/roles/${record.person.assignments[0]!.id}`, { token: trust.token })).status).toBe(204);
        expect((await call('DELETE', `/users/${teacher.id}/memberships/${node('North School')}`, { token: trust.token })).status).toBe(204);
      }
      return { ops: [], audit: [{ action: 'user.updated', nodeId: node('North School'), after: { touched: true } }], result: 'written' };
    }, ['users.edit']);
    await expect(placing).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('an emailed link racing a grant to its target', () => {
  it('is not issued for a teacher made Head Teacher meanwhile: neither a reset link nor a re-sent invitation from a School Admin', async () => {
    const active = await actor(trust, teacherAt('North School'));
    const invited = await createUser(trust.token, teacherAt('North School'));
    const staleActive = (await loadAccountTarget(schoolAdmin, active.user.id, 'users.reset_password')).account;
    const staleInvited = (await loadAccountTarget(schoolAdmin, invited.id, 'users.create')).account;
    await makeHead(active.user.id);
    await makeHead(invited.id);
    await expect(sendPasswordReset(staleActive, schoolAdmin.account.id, async () => (await loadAccountTarget(schoolAdmin, active.user.id, 'users.reset_password')).account))
      .rejects.toMatchObject({ code: 'outranked' });
    await expect(sendInvitation(staleInvited, inviterOf(schoolAdmin.account), async () => (await loadAccountTarget(schoolAdmin, invited.id, 'users.create')).account))
      .rejects.toMatchObject({ code: 'outranked' });
    expect((await getAccount({ trustId: trust.trustId, userId: active.user.id }))!.resetTokenHash).toBeUndefined();
    const stillInvited = await getAccount({ trustId: trust.trustId, userId: invited.id });
    // Only the link of the Trust Admin's own invitation at creation: the School Admin's re-send stored none.
    expect(stillInvited!.invitationTokenHash).toBe(staleInvited.invitationTokenHash);
  });

  it('is issued for the account as it is now when the change leaves the caller allowed', async () => {
    const active = await actor(trust, teacherAt('North School'));
    const stale = (await loadAccountTarget(schoolAdmin, active.user.id, 'users.reset_password')).account;
    expect((await call('PUT', `/users/${active.user.id}/memberships/${node('North School')}`, { token: trust.token, body: { primary: true, jobTitle: 'Teacher of art' } })).status).toBe(200);
    await sendPasswordReset(stale, schoolAdmin.account.id, async () => (await loadAccountTarget(schoolAdmin, active.user.id, 'users.reset_password')).account);
    expect((await getAccount({ trustId: trust.trustId, userId: active.user.id }))!.resetTokenHash).toEqual(expect.any(String));
  });
});
