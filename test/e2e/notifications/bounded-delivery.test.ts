import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { DIGEST_LIMITS } from '../../../domain/notifications/digest';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Review C, findings 1 and 8: a digest is bounded whatever the backlog (and
 * everything in it is marked sent, so the next one starts afresh), and an
 * email SES refuses for good is given up after its last attempt instead of
 * being retried for ever. The local SES refuses a test's own address on
 * `POST /_local/mail/refusals` (infra/local/emulators.ts), as SES refuses an
 * unverified recipient.
 */
const { documentClient, tableName } = await import('../../../functions/adapters/dynamo/client');
const { keys } = await import('../../../functions/adapters/dynamo/keys');
const { MAX_SEND_ATTEMPTS } = await import('../../../functions/notifications/deliver');

let trust: TestTrust;
let admin: string;
let school: string;

// At the schema maxima: title 200, summary 2,000, link 2,048 characters.
const maxed = (i: number, overrides: Record<string, unknown> = {}) => ({
  category: 'behaviour', nodeId: school, title: `Incident ${i} ${'t'.repeat(200)}`.slice(0, 200), summary: 's'.repeat(2000),
  link: `https://behaviour.example/${i}/${'l'.repeat(2048)}`.slice(0, 2048), occurredAt: new Date(Date.UTC(2026, 11, 1, 8, 0, i)).toISOString(), idempotencyKey: randomUUID(), ...overrides,
});

async function person(roleId: string) {
  const user = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId, nodeId: school }] });
  return { user, token: await activate(trust, user) };
}

/** This person's digest goes at the hour it is now in London: its next one is a day away, after any other file's digest run. */
async function ownDigestHour(token: string): Promise<string> {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  expect((await call('PUT', '/me/notification-preferences', { token, body: { categories: {}, digestHour: hour }, headers: { 'if-match': '0' } })).status).toBe(200);
  return nextLondonHour(new Date(), hour);
}

const run = async (job: string, at?: string) => {
  const response = await call('POST', `/_local/run/${job}${at ? `?at=${encodeURIComponent(at)}` : ''}`);
  expect(response.status).toBe(200);
  return response.body.summary as { sent: number; failed: number; givenUp: number };
};

const refusals = async (address: string, method: 'GET' | 'POST' = 'GET') => {
  const response = method === 'POST' ? await call('POST', '/_local/mail/refusals', { body: { address } }) : await call('GET', `/_local/mail/refusals?address=${encodeURIComponent(address)}`);
  expect(response.status).toBe(200);
  return response.body.attempts as number;
};

const post = async (body: Record<string, unknown>) => {
  const response = await call('POST', '/notifications/events', { token: admin, body });
  expect(response.status).toBe(202);
};

/** The person's stored entries (the table itself: the feed does not show when a digest took one). */
async function entries(userId: string) {
  const { Items } = await documentClient().send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.inboxPartition(trust.trustId, userId) }, ConsistentRead: true }));
  return Items ?? [];
}

const digests = async (address: string) => (await mailTo(address)).filter((m) => /daily summary/.test(m.subject));

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('a large digest backlog', () => {
  it('goes out as one bounded digest, every entry marked sent, and the next digest holds only what came after', async () => {
    const teacher = await person(presetIds.teacher);
    const due = await ownDigestHour(teacher.token);
    const count = 45;
    for (let i = 0; i < count; i += 5) await Promise.all(Array.from({ length: Math.min(5, count - i) }, (_, j) => post(maxed(i + j))));

    await run('digest', due);
    const [digest, ...more] = await digests(teacher.user.email);
    expect(more).toHaveLength(0);
    expect(digest!.subject).toMatch(new RegExp(`your daily summary \\(${count} new\\)$`));
    expect(Buffer.byteLength(digest!.text) + Buffer.byteLength(digest!.html)).toBeLessThanOrEqual(DIGEST_LIMITS.bytes);
    const listed = digest!.text.split('\n').filter((line) => line.startsWith('    - '));
    expect(listed).toHaveLength(DIGEST_LIMITS.perGroup);
    expect(digest!.text).toContain(`    and ${count - DIGEST_LIMITS.perGroup} more. Sign in to read them all.`);
    // Cut to the limits: the title and summary end in "…", and a link too long to keep whole is left out.
    for (const line of listed) expect(line).toMatch(new RegExp(`^    - (Incident \\d+ t+…): s{${DIGEST_LIMITS.summaryChars - 1}}…$`));
    for (const line of listed) expect(/^    - (.+?): s/.exec(line)![1]).toHaveLength(DIGEST_LIMITS.titleChars);
    expect(digest!.text).not.toContain('behaviour.example');
    // Listed or only counted, every entry was marked sent by this digest.
    const mine = (await entries(teacher.user.id)).filter((e) => e.category === 'behaviour');
    expect(mine).toHaveLength(count);
    for (const entry of mine) expect(entry).toMatchObject({ digestedAt: expect.any(String), sentAt: expect.any(String) });
    for (const entry of mine) expect(entry.gsi1pk).toBeUndefined();

    // Run again: nothing old goes again; a new event goes alone in the next digest.
    await run('digest', due);
    expect(await digests(teacher.user.email)).toHaveLength(1);
    await post({ ...maxed(99), title: `Merit ${randomUUID()}`, summary: 'Well done', link: 'https://behaviour.example/merit' });
    await run('digest', due);
    const after = await digests(teacher.user.email);
    expect(after).toHaveLength(2);
    expect(after[1]!.subject).toMatch(/your daily summary \(1 new\)$/);
    expect(after[1]!.text).toContain('Well done https://behaviour.example/merit');
  });
});

describe('an email SES refuses for good', () => {
  it('is given up after its last attempt (immediate), and then never tried again', async () => {
    const teacher = await person(presetIds.teacher);
    expect((await call('PUT', '/me/notification-preferences', { token: teacher.token, body: { categories: { behaviour: 'immediate' } }, headers: { 'if-match': '0' } })).status).toBe(200);
    expect(await refusals(teacher.user.email, 'POST')).toBe(0);
    const title = `Refused ${randomUUID()}`;
    await post({ ...maxed(1), title });
    // The queue's message is delivered again after each failure until its maxReceiveCount; then the sweep goes on.
    let attempts = 0;
    for (let i = 0; i < 100 && attempts < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      attempts = await refusals(teacher.user.email);
    }
    for (let i = 0; i < MAX_SEND_ATTEMPTS.immediate + 3 && attempts < MAX_SEND_ATTEMPTS.immediate; i++) {
      await run('notify');
      attempts = await refusals(teacher.user.email);
    }
    expect(attempts).toBe(MAX_SEND_ATTEMPTS.immediate);
    const [entry] = (await entries(teacher.user.id)).filter((e) => e.title === title);
    expect(entry).toMatchObject({ attempts: MAX_SEND_ATTEMPTS.immediate, failedAt: expect.any(String) });
    expect(entry!.gsi2pk).toBeUndefined();
    // Given up: later sweeps leave it alone, and the feed still shows it.
    await run('notify');
    await run('notify');
    expect(await refusals(teacher.user.email)).toBe(MAX_SEND_ATTEMPTS.immediate);
    const feed = (await call('GET', '/me/notifications', { token: teacher.token })).body.items;
    expect(feed.find((item: any) => item.title === title)).toMatchObject({ delivery: 'immediate' });
    expect(feed.find((item: any) => item.title === title).emailedAt).toBeUndefined();
  });

  it('gives a refused digest up after its last run, so it holds no later digest back', async () => {
    const teacher = await person(presetIds.teacher);
    const due = await ownDigestHour(teacher.token);
    await refusals(teacher.user.email, 'POST');
    await post({ ...maxed(1), title: `Old ${randomUUID()}` });
    for (let i = 0; i < MAX_SEND_ATTEMPTS.digest + 2; i++) await run('digest', due);
    // One refused email per run until the entry is given up; the runs after it send nothing.
    expect(await refusals(teacher.user.email)).toBe(MAX_SEND_ATTEMPTS.digest);
    const [old] = (await entries(teacher.user.id)).filter((e) => String(e.title).startsWith('Old '));
    expect(old).toMatchObject({ attempts: MAX_SEND_ATTEMPTS.digest, failedAt: expect.any(String) });
    // A new entry is tried on its own next run (one more refused email), not behind the old one.
    await post({ ...maxed(2), title: `New ${randomUUID()}` });
    await run('digest', due);
    expect(await refusals(teacher.user.email)).toBe(MAX_SEND_ATTEMPTS.digest + 1);
    const [fresh] = (await entries(teacher.user.id)).filter((e) => String(e.title).startsWith('New '));
    expect(fresh).toMatchObject({ attempts: 1 });
    expect(fresh!.failedAt).toBeUndefined();
  });
});

function nextLondonHour(now: Date, hour: number): string {
  const local = (t: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(new Date(t)));
  for (let t = Math.ceil(now.getTime() / 900_000) * 900_000 + 900_000; ; t += 900_000) {
    if (local(t) === hour && local(t - 900_000) !== hour) return new Date(t).toISOString();
  }
}
