import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../../fixtures/api';
import { patchProfile, profileItem } from '../../fixtures/identity';
import { linkIn, mailTo, waitForMail } from '../../fixtures/mail';
import { activate, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * An emailed link (invitation, password reset) signs in as the account only
 * while the account still has the address it went to and has not been
 * deactivated since: the attack is an admin creating someone with a wrong
 * address (someone else's), correcting it, and the holder of the wrong
 * address using the link they were sent.
 */

const PASSWORD = 'Lantern-Harbour-93';
let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([{ kind: 'school', name: 'Hillside' }]);
});

const newPerson = (email = uniqueEmail('linked')) =>
  createUser(trust.token, { firstName: 'Lin', lastName: 'Kage', email, memberships: [{ nodeId: trust.nodes.Hillside!.id }] });

/** The newest link of `page` emailed to `address`. */
async function newestLink(address: string, page: 'invite' | 'reset-password'): Promise<string> {
  await waitForMail(address);
  const mails = (await mailTo(address)).filter((mail) => mail.text.includes(`/${page}?token=`));
  if (!mails.length) throw new Error(`no ${page} email to ${address}`);
  return linkIn(mails.at(-1)!, page).token;
}

async function changeEmail(userId: string, email: string): Promise<void> {
  const current = (await call('GET', `/users/${userId}`, { token: trust.token })).body;
  const response = await call('PATCH', `/users/${userId}`, { token: trust.token, body: { email }, headers: { 'if-match': `"${current.version}"` } });
  expect(response).toMatchObject({ status: 200, body: { email } });
}

const accept = (token: string, password = PASSWORD) => call('POST', '/auth/invitations/accept', { body: { token, password } });
const confirmReset = (token: string, password = PASSWORD) => call('POST', '/auth/password-reset/confirm', { body: { token, password } });

/** The link is refused as used/replaced, the answer names neither address, and the account is untouched. */
async function expectDead(response: Awaited<ReturnType<typeof accept>>, newEmail: string) {
  expect(response).toMatchObject({ status: 410, body: { code: 'token_used' } });
  expect(JSON.stringify(response.body)).not.toContain(newEmail);
}

describe('an invitation sent to an address the account no longer has', () => {
  it('does not open the account after PATCH corrects the address; a re-send to the new address does', async () => {
    const wrong = uniqueEmail('someone-else');
    const user = await newPerson(wrong);
    const stolen = await newestLink(wrong, 'invite');
    const right = uniqueEmail('right');
    await changeEmail(user.id, right);
    // Voided by the move itself, not only refused by the address check.
    expect((await profileItem(trust, user.id)).invitationTokenHash).toBeUndefined();
    // The old address is told of the change (API.md), and no invitation goes anywhere by itself.
    expect((await mailTo(wrong)).some((mail) => /email/i.test(mail.subject) && !mail.text.includes('/invite?token='))).toBe(true);
    expect(await mailTo(right)).toEqual([]);

    await expectDead(await accept(stolen), right);
    expect((await call('GET', `/users/${user.id}`, { token: trust.token })).body.status).toBe('invited');
    expect((await call('POST', '/auth/login', { body: { email: right, password: PASSWORD } })).status).toBe(401);
    // The link's page says so too, before anyone types a password.
    expect((await call('GET', `/invite?token=${stolen}`)).status).toBe(410);

    expect((await call('POST', `/users/${user.id}/invitation`, { token: trust.token })).status).toBe(202);
    const fresh = await newestLink(right, 'invite');
    expect(await accept(fresh)).toMatchObject({ status: 200, body: { email: right } });
    await expect(login(right, PASSWORD)).resolves.toHaveProperty('accessToken');
    // The stolen link stays dead after the account became active.
    await expectDead(await accept(stolen), right);
  });

  it('does not open the account after a CSV import moves the address', async () => {
    const wrong = uniqueEmail('import-wrong');
    const user = await newPerson(wrong);
    const stolen = await newestLink(wrong, 'invite');
    const right = uniqueEmail('import-right');
    const csv = stringify([['id', 'firstName', 'lastName', 'email'], [user.id, user.firstName, user.lastName, right]]);
    const plan = await call('POST', '/users/import?dryRun=true', { token: trust.token, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(plan.body.rows[0].changes).toEqual([{ field: 'email', from: wrong, to: right }]);
    const started = await call('POST', '/users/import', { token: trust.token, body: { planId: plan.body.planId } });
    expect(started.status).toBe(202);
    const deadline = Date.now() + 60_000;
    let progress: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      progress = (await call('GET', `/users/imports/${started.body.importId}`, { token: trust.token })).body;
    } while (progress.status !== 'done' && progress.status !== 'failed' && Date.now() < deadline);
    expect(progress).toMatchObject({ status: 'done', updated: 1 });
    expect((await profileItem(trust, user.id)).invitationTokenHash).toBeUndefined();

    await expectDead(await accept(stolen), right);
    expect((await call('POST', `/users/${user.id}/invitation`, { token: trust.token })).status).toBe(202);
    expect(await accept(await newestLink(right, 'invite'))).toMatchObject({ status: 200, body: { email: right } });
  }, 90_000);

  it('is refused by the address it was sent to even where the live hash was left (defence in depth)', async () => {
    const wrong = uniqueEmail('bound');
    const user = await newPerson(wrong);
    const stolen = await newestLink(wrong, 'invite');
    // A write that moved the address but forgot the links: only the binding stands in the way.
    const right = uniqueEmail('bound-right');
    await patchProfile(trust, user.id, { email: right });
    expect((await profileItem(trust, user.id)).invitationTokenHash).toBeTruthy();
    await expectDead(await accept(stolen), right);
    // Back at the address the link went to, the very same link works: it is the address that refused it.
    await patchProfile(trust, user.id, { email: wrong });
    expect(await accept(stolen)).toMatchObject({ status: 200, body: { email: wrong } });
  });
});

describe('a password-reset link requested before an email change', () => {
  it('cannot set the password once the address moved', async () => {
    const old = uniqueEmail('reset-old');
    const user = await newPerson(old);
    await activate(trust, user, 'Beacon-Thistle-58');
    expect((await call('POST', '/auth/password-reset', { body: { email: old } })).status).toBe(202);
    const stolen = await newestLink(old, 'reset-password');
    const moved = uniqueEmail('reset-new');
    await changeEmail(user.id, moved);
    expect((await profileItem(trust, user.id)).resetTokenHash).toBeUndefined();

    await expectDead(await confirmReset(stolen), moved);
    expect((await call('POST', '/auth/login', { body: { email: moved, password: PASSWORD } })).status).toBe(401);
    await expect(login(moved, 'Beacon-Thistle-58')).resolves.toHaveProperty('accessToken');
    // A reset asked for at the new address works.
    expect((await call('POST', '/auth/password-reset', { body: { email: moved } })).status).toBe(202);
    expect((await confirmReset(await newestLink(moved, 'reset-password'))).status).toBe(204);
    await expect(login(moved, PASSWORD)).resolves.toHaveProperty('accessToken');
  });
});

describe('deactivate then activate', () => {
  it('leaves an invitation sent before the deactivation dead; a re-send works', async () => {
    const email = uniqueEmail('invited-deactivated');
    const user = await newPerson(email);
    const before = await newestLink(email, 'invite');
    expect((await call('POST', `/users/${user.id}/deactivate`, { token: trust.token })).body.status).toBe('inactive');
    expect((await call('POST', `/users/${user.id}/activate`, { token: trust.token })).body.status).toBe('invited');

    expect(await accept(before)).toMatchObject({ status: 410, body: { code: 'token_used' } });
    expect((await call('POST', `/users/${user.id}/invitation`, { token: trust.token })).status).toBe(202);
    expect(await accept(await newestLink(email, 'invite'))).toMatchObject({ status: 200, body: { email } });
  });

  it('leaves a reset link requested before the deactivation dead', async () => {
    const email = uniqueEmail('reset-deactivated');
    const user = await newPerson(email);
    await activate(trust, user, 'Beacon-Thistle-58');
    expect((await call('POST', '/auth/password-reset', { body: { email } })).status).toBe(202);
    const before = await newestLink(email, 'reset-password');
    expect((await call('POST', `/users/${user.id}/deactivate`, { token: trust.token })).body.status).toBe('inactive');
    expect((await call('POST', `/users/${user.id}/activate`, { token: trust.token })).body.status).toBe('active');

    expect(await confirmReset(before)).toMatchObject({ status: 410, body: { code: 'token_used' } });
    await expect(login(email, 'Beacon-Thistle-58')).resolves.toHaveProperty('accessToken');
  });
});
