import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, stack } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';
import { TEST_WEB_APP_URL } from '../../support/global-setup';

let trust: TestTrust;
let admin: string;
let school: string;

const event = (overrides: Record<string, unknown> = {}) => ({
  category: 'behaviour', nodeId: school, title: 'Detention for Pupil Zed', summary: 'Late three times', link: 'https://behaviour.example/incidents/1',
  occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID(), ...overrides,
});

async function person(roleId: string, options: { mfa?: boolean } = {}) {
  const user = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId, nodeId: school }] });
  const token = await activate(trust, user);
  if (!options.mfa) return { user, token };
  return { user, token: await signInWithTotp(user.email, TEST_PASSWORD, await turnOnTotp(token)) };
}

const run = async (job: string, at?: string) => {
  const response = await call('POST', `/_local/run/${job}${at ? `?at=${encodeURIComponent(at)}` : ''}`);
  expect(response.status).toBe(200);
  return response.body.summary;
};

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('immediate emails', () => {
  it('tells the DSL only that a concern was recorded at the school, once, with no unsubscribe link (only the DSL, signed in, turns it off)', async () => {
    const dsl = await person(presetIds.designatedSafeguardingLead, { mfa: true });
    const pupil = `pupil-${randomUUID()}`;
    expect((await call('POST', '/notifications/events', { token: admin, body: event({ category: 'child_protection', subjectId: pupil }) })).status).toBe(202);
    // The queue's worker emails at once; the sweep, run twice, finds nothing left to send.
    await concernMail(dsl.user.email);
    await run('notify');
    await run('notify');
    const mails = (await mailTo(dsl.user.email)).filter((m) => /child protection/.test(m.subject));
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toMatch(/a new child protection concern at North School$/);
    for (const part of [mail!.subject, mail!.text, mail!.html]) expect(part).not.toMatch(new RegExp(`Zed|Late three times|${pupil}|behaviour\\.example`));
    expect(mail!.headers?.['List-Unsubscribe']).toBeUndefined();
    expect(mail!.headers?.['List-Unsubscribe-Post']).toBeUndefined();
    for (const part of [mail!.text, mail!.html]) expect(part).not.toMatch(/unsubscribe/i);
    // The worker marks the entry just after SES accepted the email.
    let entry: any;
    for (let i = 0; i < 20 && !entry?.emailedAt; i++) {
      entry = (await call('GET', '/me/notifications', { token: dsl.token })).body.items.find((item: any) => item.subjectId === pupil);
      if (!entry?.emailedAt) await new Promise((r) => setTimeout(r, 100));
    }
    expect(entry.emailedAt).toEqual(expect.any(String));
  });

  it('unsubscribes in one click from the link of an ordinary category, and refuses a forged link', async () => {
    const teacher = await person(presetIds.teacher);
    expect((await call('PUT', '/me/notification-preferences', { token: teacher.token, body: { categories: { behaviour: 'immediate' } }, headers: { 'if-match': '0' } })).status).toBe(200);
    await call('POST', '/notifications/events', { token: admin, body: event() });
    const mail = await mailAbout(teacher.user.email, /behaviour record/);
    const url = new URL(/^<(.+)>$/.exec(mail.headers!['List-Unsubscribe']!)![1]!);
    // The unsubscribe page and its one-click POST are the API's routes; "Sign in" goes to the trust's web app (review H, H-3).
    expect(url.origin).toBe(stack().url);
    expect(mail.text).toContain(`Sign in to read more: ${TEST_WEB_APP_URL}/`);
    expect(mail.headers!['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const path = `${url.pathname}${url.search}`;
    const page = await fetch(`${stack().url}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Stop emails about behaviour incidents and rewards?');
    const oneClick = await fetch(`${stack().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(204);
    const prefs = await call('GET', '/me/notification-preferences', { token: teacher.token });
    expect(prefs.body.categories.behaviour).toBe('off');
    const token = url.searchParams.get('token')!;
    const forged = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const refused = await fetch(`${stack().url}/notifications/unsubscribe?token=${forged}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(refused.status).toBe(400);
  });
});

describe('the daily digest', () => {
  it('sends nothing before the hour, one email at it (grouped by school and category), and nothing more when run again', async () => {
    const teacher = await person(presetIds.teacher);
    const title = `Merit ${randomUUID()}`;
    await call('POST', '/notifications/events', { token: admin, body: event({ title }) });
    const entry = (await call('GET', '/me/notifications', { token: teacher.token })).body.items[0];
    expect(entry.delivery).toBe('digest');
    // 07:00 in London is the trust's digest hour: the next one after now.
    const due = nextLondonSeven(new Date());
    const before = new Date(Date.parse(due) - 3_600_000).toISOString();
    await run('digest', before);
    expect((await mailTo(teacher.user.email)).filter((m) => /daily summary/.test(m.subject))).toHaveLength(0);
    await run('digest', due);
    await run('digest', due);
    const digests = (await mailTo(teacher.user.email)).filter((m) => /daily summary/.test(m.subject));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.text).toContain('North School');
    expect(digests[0]!.text).toContain(title);
    expect(digests[0]!.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });
});

/** The email to an address whose subject matches, once the queue's worker has sent it. */
async function mailAbout(address: string, subject: RegExp) {
  for (let i = 0; i < 50; i++) {
    const mail = (await mailTo(address)).find((m) => subject.test(m.subject));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email about ${subject} to ${address}`);
}

const concernMail = (address: string) => mailAbout(address, /child protection/);

function nextLondonSeven(now: Date): string {
  for (let t = Math.ceil(now.getTime() / 900_000) * 900_000 + 900_000; ; t += 900_000) {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date(t)));
    const prev = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date(t - 900_000)));
    if (hour === 7 && prev !== 7) return new Date(t).toISOString();
  }
}
