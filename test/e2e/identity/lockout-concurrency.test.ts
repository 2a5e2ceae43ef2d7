import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../fixtures/api';
import { auditOf, patchProfile, profileItem, setIdentityPolicies, signIn, totpCode, turnOnTotp, wrongCode } from '../../fixtures/identity';
import { makeMember, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/*
 * The lockout limit is a cap on the guesses Cognito checks, whatever the
 * concurrency: each attempt reserves its place before Cognito is asked, and
 * one that finds no place answers 423 as a locked account does. Every guess
 * Cognito refused is one `login.failed` audit record, so those records count
 * the guesses that reached Cognito.
 */

const WRONG = 'Wrong-Password-99';
const BURST = 40;
const LIMIT = 5;

let trust: TestTrust;

beforeAll(async () => {
  // The default policy: 5 failures lock, no auto-unlock.
  trust = await makeTrust([]);
});

const failedSignIns = async (userId: string) => (await auditOf(trust, userId)).filter((r) => r.action === 'login.failed');
const statuses = (answers: { status: number; body: any }[]) => answers.map((a) => `${a.status} ${a.body.code ?? ''}`.trim()).sort();

describe('a burst of sign-ins for one account', () => {
  it(`lets at most ${LIMIT} of ${BURST} parallel wrong passwords reach Cognito; the rest answer 423, and so does the right password after`, async () => {
    const member = await makeMember(trust);
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => signIn(member.email, `${WRONG}-${i}`)));
    const checked = answers.filter((a) => a.status === 401);
    expect(checked.length).toBeLessThanOrEqual(LIMIT);
    expect(checked.every((a) => a.body.code === 'invalid_credentials')).toBe(true);
    expect(answers.filter((a) => a.status === 423).every((a) => a.body.code === 'account_locked')).toBe(true);
    expect(checked.length + answers.filter((a) => a.status === 423).length).toBe(BURST);
    expect((await failedSignIns(member.account.id)).length).toBeLessThanOrEqual(LIMIT);
    const profile = await profileItem(trust, member.account.id);
    expect(profile.status).toBe('locked');
    expect(profile.failedLogins).toBeLessThanOrEqual(LIMIT);

    const right = await signIn(member.email, TEST_PASSWORD);
    expect(right.status).toBe(423);
    expect(right.body).toEqual(answers.find((a) => a.status === 423)!.body);
  });

  it('refuses the right password inside a burst exactly as the wrong ones that found no place, unless it was checked within the limit', async () => {
    const member = await makeMember(trust);
    const at = BURST - 1;
    // The wrong guesses go first; the right one is sent last, into the same burst.
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => signIn(member.email, i === at ? TEST_PASSWORD : `${WRONG}-${i}`)));
    const right = answers[at]!;
    const wrong = answers.filter((_, i) => i !== at);
    // Cognito checked at most the limit of guesses in a row: the right one, when it got a place, found fewer than the
    // limit before it, and a sign-in that succeeds starts the count afresh (the order the burst lands in is not ours).
    const failed = (await failedSignIns(member.account.id)).length;
    if (right.status === 200) expect(failed).toBeLessThanOrEqual(2 * LIMIT - 1);
    else expect(failed).toBeLessThanOrEqual(LIMIT);
    expect((await profileItem(trust, member.account.id)).failedLogins).toBeLessThanOrEqual(LIMIT);
    if (right.status !== 200) expect(statuses(wrong)).toContain(statuses([right])[0]);
  });

  it('answers an unknown email\'s burst as an account\'s: the same statuses in the same numbers', async () => {
    const member = await makeMember(trust);
    const unknownEmail = `nobody-${randomUUID()}@test.example`;
    const known = await Promise.all(Array.from({ length: BURST }, (_, i) => signIn(member.email, `${WRONG}-${i}`)));
    const unknown = await Promise.all(Array.from({ length: BURST }, (_, i) => signIn(unknownEmail, `${WRONG}-${i}`)));
    expect(statuses(known).filter((s) => s.startsWith('401')).length).toBeLessThanOrEqual(LIMIT);
    expect(statuses(unknown)).toEqual(statuses(known));
  });
});

describe('reservations that outlive their request', () => {
  it('hold their places while live, and an expired one neither counts nor locks', async () => {
    const member = await makeMember(trust);
    const now = Math.floor(Date.now() / 1000);
    // Five attempts in flight (as a burst leaves them), none answered yet: no place left.
    await patchProfile(trust, member.account.id, { reservedAttempts: LIMIT, reservedUntil: now + 60 });
    const full = await signIn(member.email, TEST_PASSWORD);
    expect(full.status).toBe(423);
    expect(full.body.code).toBe('account_locked');
    expect(await profileItem(trust, member.account.id)).toMatchObject({ status: 'active' });

    // The same five, left behind by requests that died: past their time they are forgotten.
    await patchProfile(trust, member.account.id, { reservedAttempts: LIMIT, reservedUntil: now - 1 });
    const wrong = await signIn(member.email, WRONG);
    expect(wrong.status).toBe(401);
    expect(await profileItem(trust, member.account.id)).toMatchObject({ status: 'active', failedLogins: 1 });
    await patchProfile(trust, member.account.id, { reservedAttempts: LIMIT, reservedUntil: now - 1 });
    expect((await signIn(member.email, TEST_PASSWORD)).status).toBe(200);
    expect(await profileItem(trust, member.account.id)).toMatchObject({ status: 'active', failedLogins: 0 });
  });

  it('are cleared by an admin unlock, so the person can sign in at once', async () => {
    const member = await makeMember(trust);
    await Promise.all(Array.from({ length: 10 }, () => signIn(member.email, WRONG)));
    expect((await profileItem(trust, member.account.id)).status).toBe('locked');
    expect((await call('POST', `/users/${member.account.id}/unlock`, { token: trust.token })).status).toBe(200);
    expect((await signIn(member.email, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('a burst of TOTP codes (POST /auth/mfa)', () => {
  it(`lets at most ${LIMIT} of ${BURST} parallel wrong codes reach Cognito, then refuses the right code with 423`, async () => {
    const member = await makeMember(trust);
    const secret = await turnOnTotp(member.token);
    const step = await signIn(member.email, TEST_PASSWORD);
    expect(step.body.challenge).toBe('MFA_TOTP');
    const wrong = wrongCode(secret);
    const answers = await Promise.all(Array.from({ length: BURST }, () => call('POST', '/auth/mfa', { body: { email: member.email, session: step.body.session, code: wrong } })));
    const checked = answers.filter((a) => a.status === 401);
    expect(checked.length).toBeLessThanOrEqual(LIMIT);
    expect(checked.every((a) => a.body.code === 'invalid_mfa_code')).toBe(true);
    expect(answers.every((a) => a.status === 401 || (a.status === 423 && a.body.code === 'account_locked'))).toBe(true);
    const failed = await failedSignIns(member.account.id);
    expect(failed.length).toBeLessThanOrEqual(LIMIT);
    expect(failed.every((r) => r.after.reason === 'mfa_code')).toBe(true);
    const right = await call('POST', '/auth/mfa', { body: { email: member.email, session: step.body.session, code: totpCode(secret) } });
    expect(right.status).toBe(423);
  });

  it('lets a person with TOTP sign in under a limit of 1: the right password gives its place back to the code step', async () => {
    const own = await makeTrust([]);
    await setIdentityPolicies(own, { maxFailedLogins: 1 });
    const member = await makeMember(own);
    const secret = await turnOnTotp(member.token);
    const step = await signIn(member.email, TEST_PASSWORD);
    expect(step.body.challenge).toBe('MFA_TOTP');
    const done = await call('POST', '/auth/mfa', { body: { email: member.email, session: step.body.session, code: totpCode(secret) } });
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toBeDefined();
  });
});

describe('POST /auth/mfa with a made-up session (review D, D2)', () => {
  const junk = (email: string, i: number) => call('POST', '/auth/mfa', { body: { email, session: `junk-session-${i}-${'x'.repeat(40)}`, code: '123456' } });

  it('takes no lockout place: knowing only an email, junk TOTP steps cannot lock its owner out, and known and unknown emails answer alike', async () => {
    const trust = await makeTrust([]);
    const member = await makeMember(trust);
    const unknown = `nobody-${randomUUID()}@test.example`;
    const known: number[] = [];
    const strangers: number[] = [];
    for (let i = 0; i < 8; i++) known.push((await junk(member.email, i)).status);
    for (let i = 0; i < 8; i++) strangers.push((await junk(unknown, i)).status);
    expect(known).toEqual(Array(8).fill(401));
    expect(strangers).toEqual(known);
    // The owner still signs in, and nothing was reserved or counted.
    expect((await call('POST', '/auth/login', { body: { email: member.email, password: TEST_PASSWORD } })).status).toBe(200);
    expect((await profileItem(trust, member.account.id)).failedLogins ?? 0).toBe(0);
  });
});
