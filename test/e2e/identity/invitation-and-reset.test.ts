import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login, stack } from '../../fixtures/api';
import { linkIn, mailTo, waitForMail } from '../../fixtures/mail';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

const NEW_PASSWORD = 'Lantern-Harbour-93';
let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([{ kind: 'school', name: 'Hillside' }]);
});

async function invite(): Promise<{ id: string; email: string }> {
  const email = `invitee-${randomUUID()}@test.example`;
  const response = await call('POST', '/users', {
    token: trust.token,
    body: { firstName: 'Ivy', lastName: 'Invitee', email, userType: 'staff', memberships: [{ nodeId: trust.nodes.Hillside!.id }] },
  });
  expect(response.status).toBe(201);
  expect(response.body).toMatchObject({ status: 'invited', invitationSent: true });
  return { id: response.body.id, email };
}

describe('invitations', () => {
  it('emails an invitation with the trust, the inviter, the expiry and a link in both parts', async () => {
    const { email } = await invite();
    const mail = await waitForMail(email);
    expect(mail.subject).toMatch(/^You're invited to Test Trust/);
    expect(mail.text).toContain('Test Admin has invited you');
    expect(mail.text).toMatch(/expires on \w+day/);
    const { url } = linkIn(mail, 'invite');
    expect(mail.html).toContain(url);
    // The page is the API's own (GET /invite), whatever web app APP_URL names (review H, H-3).
    expect(new URL(url).origin).toBe(stack().url);
  });

  it('accepting sets the password and turns the account active, once', async () => {
    const { id, email } = await invite();
    const { token } = linkIn(await waitForMail(email), 'invite');
    const accepted = await call('POST', '/auth/invitations/accept', { body: { token, password: NEW_PASSWORD } });
    expect(accepted).toMatchObject({ status: 200, body: { email } });
    const { accessToken } = await login(email, NEW_PASSWORD);
    expect((await call('GET', '/me', { token: accessToken })).body).toMatchObject({ id, status: 'active' });
    const again = await call('POST', '/auth/invitations/accept', { body: { token, password: NEW_PASSWORD } });
    expect(again).toMatchObject({ status: 410, body: { code: 'token_used' } });
  });

  it('of two concurrent accepts of one link, gives one 200 and one 410', async () => {
    const { email } = await invite();
    const { token } = linkIn(await waitForMail(email), 'invite');
    const results = await Promise.all(
      ['Lantern-Harbour-93', 'Copper-Meadow-57'].map((password) => call('POST', '/auth/invitations/accept', { body: { token, password } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    const winner = results[0]!.status === 200 ? 'Lantern-Harbour-93' : 'Copper-Meadow-57';
    await expect(login(email, winner)).resolves.toHaveProperty('accessToken');
  });

  it('refuses a weak password with 400 weak_password naming the rule, and the link still works', async () => {
    const { email } = await invite();
    const { token } = linkIn(await waitForMail(email), 'invite');
    const weak = await call('POST', '/auth/invitations/accept', { body: { token, password: 'Password1234' } });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ code: 'weak_password', errors: [{ path: 'password', message: expect.stringContaining('common') }] });
    expect((await call('POST', '/auth/invitations/accept', { body: { token, password: NEW_PASSWORD } })).status).toBe(200);
  });

  it('re-sending voids the older link', async () => {
    const { id, email } = await invite();
    const first = linkIn(await waitForMail(email, 1), 'invite').token;
    expect((await call('POST', `/users/${id}/invitation`, { token: trust.token })).status).toBe(202);
    const second = linkIn(await waitForMail(email, 2), 'invite').token;
    expect((await call('POST', '/auth/invitations/accept', { body: { token: first, password: NEW_PASSWORD } })).body.code).toBe('token_used');
    expect((await call('POST', '/auth/invitations/accept', { body: { token: second, password: NEW_PASSWORD } })).status).toBe(200);
    expect((await call('POST', `/users/${id}/invitation`, { token: trust.token })).body.code).toBe('not_invited');
  });

  it('answers 400 invalid_token for an unknown link', async () => {
    const response = await call('POST', '/auth/invitations/accept', { body: { token: 'A'.repeat(43), password: NEW_PASSWORD } });
    expect(response).toMatchObject({ status: 400, body: { code: 'invalid_token', errors: [{ path: 'token' }] } });
  });

  it('creates without an email when invite is false', async () => {
    const email = `quiet-${randomUUID()}@test.example`;
    const response = await call('POST', '/users', { token: trust.token, body: { firstName: 'Q', lastName: 'Uiet', email, userType: 'staff', invite: false } });
    expect(response.body).toMatchObject({ status: 'invited', invitationSent: false });
    expect(await mailTo(email)).toEqual([]);
  });
});

describe('password reset', () => {
  async function activeUser(): Promise<{ id: string; email: string }> {
    const user = await invite();
    const { token } = linkIn(await waitForMail(user.email), 'invite');
    await call('POST', '/auth/invitations/accept', { body: { token, password: NEW_PASSWORD } });
    return user;
  }

  it('answers 202 to any email and mails a one-hour link only to an active account', async () => {
    const { email } = await activeUser();
    const unknown = await call('POST', '/auth/password-reset', { body: { email: `nobody-${randomUUID()}@test.example` } });
    const known = await call('POST', '/auth/password-reset', { body: { email } });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.body).toEqual(known.body);
    const mail = await waitForMail(email, 2);
    expect(mail.subject).toContain('Reset your');
    expect(linkIn(mail, 'reset-password').token).toHaveLength(43);
  });

  it('confirming sets the new password, signs out every session and tells the person', async () => {
    const { email } = await activeUser();
    const old = await login(email, NEW_PASSWORD);
    await call('POST', '/auth/password-reset', { body: { email } });
    const { token } = linkIn(await waitForMail(email, 2), 'reset-password');
    await new Promise((r) => setTimeout(r, 1100)); // a new second, so the old session predates the sign-out
    const confirmed = await call('POST', '/auth/password-reset/confirm', { body: { token, password: 'Quarry-Violet-81' } });
    expect(confirmed.status).toBe(204);
    expect((await call('GET', '/me', { token: old.accessToken })).status).toBe(401);
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: old.refreshToken } })).status).toBe(401);
    expect((await call('POST', '/auth/login', { body: { email, password: NEW_PASSWORD } })).status).toBe(401);
    await expect(login(email, 'Quarry-Violet-81')).resolves.toHaveProperty('accessToken');
    expect((await waitForMail(email, 3)).subject).toContain('password was changed');
    const reused = await call('POST', '/auth/password-reset/confirm', { body: { token, password: 'Another-Garden-77' } });
    expect(reused).toMatchObject({ status: 410, body: { code: 'token_used' } });
  });

  it("does not let a stranger's repeated requests kill a person's live link or flood their inbox; an admin still can send a new one (review A, L4)", async () => {
    const { id, email } = await activeUser();
    expect((await call('POST', '/auth/password-reset', { body: { email } })).status).toBe(202);
    const { token } = linkIn(await waitForMail(email, 2), 'reset-password');
    // Someone else asks again and again for the same address: 202 each time, and nothing changes.
    for (let i = 0; i < 3; i++) expect((await call('POST', '/auth/password-reset', { body: { email } })).status).toBe(202);
    expect((await mailTo(email)).filter((m) => m.subject.includes('Reset your'))).toHaveLength(1);
    expect((await call('GET', `/reset-password?token=${token}`)).status).toBe(200);
    // An admin's reset is not held back: it replaces the link.
    expect((await call('POST', `/users/${id}/password-reset`, { token: trust.token })).status).toBe(202);
    const second = linkIn(await waitForMail(email, 3), 'reset-password').token;
    expect(second).not.toBe(token);
    const confirmed = await call('POST', '/auth/password-reset/confirm', { body: { token: second, password: 'Quarry-Violet-81' } });
    expect(confirmed.status).toBe(204);
  });

  it('lets an admin send the link, and never to an invited account', async () => {
    const { id, email } = await activeUser();
    expect((await call('POST', `/users/${id}/password-reset`, { token: trust.token })).status).toBe(202);
    expect((await waitForMail(email, 2)).subject).toContain('Reset your');
    const invited = await invite();
    expect((await call('POST', `/users/${invited.id}/password-reset`, { token: trust.token })).body.code).toBe('not_active');
  });
});
