import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, login } from '../../fixtures/api';
import { nextSecond, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * What was delivered is decided again when it is read or sent (security
 * review): a DSL who heard of concerns and then had their 2FA reset, was
 * blocked from the pupil or lost the role reads none of them in the feed and
 * is emailed none that were still waiting; the DSL who still may gets all.
 *
 * The waiting entries are raised in this process through the same raiseEvent
 * (it has no queue, so nothing sends them at once) and held with the senders'
 * own claim while the change is made: another test file's notify sweep or
 * digest run (they sweep every trust) can then neither send them before the
 * change nor skip them after it differently than ours would.
 */
process.env.LINK_SIGNING_KEY ??= 'recheck-test-link-key-0123456789abcdef';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { raiseEvent } = await import('../../../functions/notifications/raise');
const { deliverDigests } = await import('../../../functions/notifications/deliver');
const { getTrust } = await import('../../../functions/adapters/dynamo/trust-repository');
const { claimEntry, releaseEntry } = await import('../../../functions/adapters/dynamo/notification-repository');
const { documentClient, tableName } = await import('../../../functions/adapters/dynamo/client');
const { keys } = await import('../../../functions/adapters/dynamo/keys');

let trust: TestTrust;
let admin: string;
let school: string;
const HOLD = 'recheck-test-hold';

interface Dsl {
  user: any;
  secret: string;
  token: string;
}

async function dsl(): Promise<Dsl> {
  const user = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: school }] });
  const secret = await turnOnTotp(await activate(trust, user));
  return { user, secret, token: await signInWithTotp(user.email, TEST_PASSWORD, secret) };
}

const concern = (pupil: string) => ({ category: 'child_protection', nodeId: school, subjectId: pupil, title: `Concern about ${pupil}`, summary: 'Bruising seen', occurredAt: '2026-12-01T09:00:00Z' });
const concernMails = async (email: string) => (await mailTo(email)).filter((m) => /child protection concern/.test(m.subject));
const digests = async (email: string) => (await mailTo(email)).filter((m) => /daily summary/.test(m.subject));
const feed = async (token: string) => {
  const response = await call('GET', '/me/notifications', { token });
  expect(response.status).toBe(200);
  return response.body.items as { id: string; title: string; subjectId?: string }[];
};

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 80; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const entryKey = (userId: string, event: { receivedAt: string; id: string }) => keys.inboxEntry(trust.trustId, userId, event.receivedAt, event.id);
async function entryItem(userId: string, event: { receivedAt: string; id: string }) {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: entryKey(userId, event), ConsistentRead: true }));
  return Item;
}

/**
 * A child protection event for `person` that waits to be emailed, held by
 * this test. Should a sweep of another file have taken it first, that one is
 * let go out (before any change) and another event is raised.
 */
async function waitingConcern(person: Dsl, pupil: string) {
  for (;;) {
    const current = (await getTrust(trust.trustId))!;
    const { event } = await raiseEvent(current, { ...concern(pupil), idempotencyKey: randomUUID(), sender: { type: 'user', id: trust.adminId } });
    expect(event.recipients.map((r) => r.userId)).toContain(person.user.id);
    const entry = { key: entryKey(person.user.id, event) } as Parameters<typeof claimEntry>[0];
    const now = new Date();
    if (await claimEntry(entry, HOLD, now.toISOString(), new Date(now.getTime() - 60_000).toISOString())) return { event, entry };
    await until('the other sender to finish', async () => ((await entryItem(person.user.id, event))?.sentAt ? true : undefined));
  }
}

/**
 * One DSL through the whole story: a concern arrives and is emailed at once
 * (the queue), a second waits to be emailed at once and a third waits for
 * the digest; then `change` happens; then the senders run. Returns what the
 * DSL can still read and was sent.
 */
async function story(change: (person: Dsl, pupil: string) => Promise<string>) {
  const person = await dsl();
  const pupil = `pupil-${randomUUID()}`;
  const posted = await call('POST', '/notifications/events', { token: admin, body: { ...concern(pupil), idempotencyKey: randomUUID() } });
  expect(posted.status).toBe(202);
  await until('the first concern email', async () => ((await concernMails(person.user.email)).length > 0 ? true : undefined));
  expect((await feed(person.token)).map((i) => i.id)).toContain(posted.body.id);

  const immediate = await waitingConcern(person, pupil);
  const prefs = await call('GET', '/me/notification-preferences', { token: person.token });
  const toDigest = await call('PUT', '/me/notification-preferences', { token: person.token, headers: { 'if-match': String(prefs.body.version) }, body: { categories: { child_protection: 'digest' } } });
  expect(toDigest.status).toBe(200);
  const digest = await waitingConcern(person, pupil);
  const mailsBefore = (await concernMails(person.user.email)).length;

  const token = await change(person, pupil);

  for (const held of [immediate, digest]) await releaseEntry(held.entry, HOLD);
  expect((await call('POST', '/_local/run/notify')).status).toBe(200);
  const dueAt = String((await entryItem(person.user.id, digest.event))!.dueAt);
  // This trust only (a digest run over HTTP would also send other files' entries early).
  await deliverDigests(trust.trustId, new Date(dueAt));
  const [sentNow, sentInDigest] = await Promise.all(
    [immediate, digest].map((held) => until('the entry to be done', async () => {
      const item = await entryItem(person.user.id, held.event);
      return item?.sentAt ? item : undefined;
    })),
  );
  const ids = (await feed(token)).map((i) => i.id);
  return {
    person, pupil, mailsBefore, sentNow: sentNow!, sentInDigest: sentInDigest!,
    concernMails: await concernMails(person.user.email), digests: await digests(person.user.email),
    feed: { posted: ids.includes(posted.body.id), immediate: ids.includes(immediate.event.id), digest: ids.includes(digest.event.id) },
  };
}

async function expectNothingMore(outcome: Awaited<ReturnType<typeof story>>) {
  expect(outcome.feed).toEqual({ posted: false, immediate: false, digest: false });
  expect(outcome.sentNow.skippedAt).toEqual(expect.any(String));
  expect(outcome.sentNow.emailedAt).toBeUndefined();
  expect(outcome.sentInDigest.skippedAt).toEqual(expect.any(String));
  expect(outcome.sentInDigest.digestedAt).toBeUndefined();
  expect(outcome.concernMails).toHaveLength(outcome.mailsBefore);
  expect(outcome.digests).toHaveLength(0);
}

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('what was delivered is checked again when it is read or sent', () => {
  it('still shows and sends everything to a DSL who may still hear of it', async () => {
    const outcome = await story(async (person) => person.token);
    expect(outcome.feed).toEqual({ posted: true, immediate: true, digest: true });
    expect(outcome.sentNow.emailedAt).toEqual(expect.any(String));
    expect(outcome.sentInDigest.digestedAt).toEqual(expect.any(String));
    expect(outcome.concernMails).toHaveLength(outcome.mailsBefore + 1);
    expect(outcome.digests).toHaveLength(1);
    expect(outcome.digests[0]!.text).toContain('1 new entry was recorded');
  });

  it('after a lost-device 2FA reset: a password-only session reads none of the concerns, and no waiting one is emailed', async () => {
    const outcome = await story(async (person) => {
      expect((await call('POST', `/users/${person.user.id}/mfa/reset`, { token: admin })).status).toBe(204);
      await nextSecond();
      return (await login(person.user.email, TEST_PASSWORD)).accessToken;
    });
    await expectNothingMore(outcome);
  });

  it('after a block on the pupil: the same session reads none of them, and none is emailed', async () => {
    const outcome = await story(async (person, pupil) => {
      const block = await call('PUT', `/users/${person.user.id}/blocks/${pupil}`, { token: admin, body: { schoolId: school, reason: 'family member' } });
      expect(block.status).toBe(200);
      return person.token;
    });
    await expectNothingMore(outcome);
  });

  it('after the DSL role is removed: the same session reads none of them, and none is emailed', async () => {
    const outcome = await story(async (person) => {
      expect((await call('DELETE', `/users/${person.user.id}/roles/${person.user.roles[0].id}`, { token: admin })).status).toBe(204);
      return person.token;
    });
    await expectNothingMore(outcome);
  });

  it('a 2FA session still reads a concern about another pupil after a block on one', async () => {
    const person = await dsl();
    const [blockedPupil, otherPupil] = [`pupil-${randomUUID()}`, `pupil-${randomUUID()}`];
    const ids: string[] = [];
    for (const pupil of [blockedPupil, otherPupil]) ids.push((await call('POST', '/notifications/events', { token: admin, body: { ...concern(pupil), idempotencyKey: randomUUID() } })).body.id);
    expect((await call('PUT', `/users/${person.user.id}/blocks/${blockedPupil}`, { token: admin, body: { schoolId: school } })).status).toBe(200);
    const items = await feed(person.token);
    expect(items.map((i) => i.id)).not.toContain(ids[0]);
    expect(items.find((i) => i.id === ids[1])).toMatchObject({ subjectId: otherPupil, title: `Concern about ${otherPupil}` });
  });
});

