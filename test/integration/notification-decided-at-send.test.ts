import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { mailTo } from '../fixtures/mail';
import { actor } from '../fixtures/people';
import { reportReaderRole } from '../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * Review J, J1 and J5: each email of a notify or digest run is decided on
 * the trust and the person as they are at its send, not on a copy read at
 * the run's start. The change is made over HTTP (answered 200) by a hook on
 * this process's DynamoDB client at the very moment the run claims the
 * person's entry: after the run has started, before that email is decided.
 * Deterministic, no timing. A second teacher in the same run, untouched, is
 * the control: their email still goes.
 */
// This process sends the emails itself (no queue is configured here, so the entries wait for the sender called below).
process.env.LINK_SIGNING_KEY ??= 'integration-test-link-key-0123456789abcdef';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { raiseEvent } = await import('../../functions/notifications/raise');
const { deliverImmediate, deliverDigests } = await import('../../functions/notifications/deliver');
const { getTrust } = await import('../../functions/adapters/dynamo/trust-repository');
const { documentClient, tableName } = await import('../../functions/adapters/dynamo/client');
const { keys } = await import('../../functions/adapters/dynamo/keys');
const { GetCommand } = await import('@aws-sdk/lib-dynamodb');

let trust: TestTrust;
let admin: string;
let school: string;
/** Fired once, when a run claims the entry with this key (one person's), before the claim is written. */
let hook: { key: { pk: string; sk: string }; fire: () => Promise<void>; fired?: boolean } | undefined;

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  documentClient().middlewareStack.add(
    (next) => async (args: any) => {
      const h = hook;
      const key = args.input?.Key ?? {};
      if (h && !h.fired && String(args.input?.UpdateExpression ?? '').startsWith('SET claimedBy') && key.pk === h.key.pk && key.sk === h.key.sk) {
        h.fired = true;
        await h.fire();
      }
      return next(args);
    },
    { step: 'initialize', name: 'claim-hook' },
  );
}, 60_000);

const teacher = () => actor({ ...trust, token: admin }, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });

async function behaviourImmediate(token: string) {
  const prefs = await call('GET', '/me/notification-preferences', { token });
  const put = await call('PUT', '/me/notification-preferences', { token, headers: { 'if-match': String(prefs.body.version) }, body: { categories: { behaviour: 'immediate' } } });
  expect(put.status).toBe(200);
}

async function raise(pupil: string) {
  const { event } = await raiseEvent((await getTrust(trust.trustId))!, {
    category: 'behaviour', nodeId: school, subjectId: pupil, title: `Behaviour incident: ${pupil}`, summary: `Detail about ${pupil}`,
    occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID(), sender: { type: 'user', id: trust.adminId },
  });
  return event;
}

const entryOf = async (userId: string, event: { receivedAt: string; id: string }) =>
  (await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.inboxEntry(trust.trustId, userId, event.receivedAt, event.id), ConsistentRead: true }))).Item;

const mailsAbout = async (email: string, pupil: string) => (await mailTo(email)).filter((m) => m.text.includes(pupil));

/** Makes `change` when the run claims `userId`'s entry of `event`, and reports its HTTP status. */
function onClaim(userId: string, event: { receivedAt: string; id: string }, change: () => Promise<{ status: number }>) {
  const result = { status: 0 };
  hook = { key: keys.inboxEntry(trust.trustId, userId, event.receivedAt, event.id), fire: async () => void (result.status = (await change()).status) };
  return result;
}

it('J1 immediate: a teacher blocked from the pupil while the run is under way is not emailed about that pupil', async () => {
  const [blocked, other] = [await teacher(), await teacher()];
  await behaviourImmediate(blocked.token);
  await behaviourImmediate(other.token);
  const pupil = `pupil-${randomUUID().slice(0, 8)}`;
  const event = await raise(pupil);
  expect(event.recipients.filter((r) => r.delivery === 'immediate').map((r) => r.userId)).toEqual(expect.arrayContaining([blocked.user.id, other.user.id]));
  const block = onClaim(blocked.user.id, event, () => call('PUT', `/users/${blocked.user.id}/blocks/${pupil}`, { token: admin, body: { schoolId: school, reason: 'allegation under investigation' } }));
  const summary = await deliverImmediate(trust.trustId, new Date(), event.keyHash);
  expect(block.status).toBe(200);
  expect(summary).toMatchObject({ skipped: 1, failed: 0 });
  expect(await mailsAbout(blocked.user.email, pupil)).toHaveLength(0);
  expect((await entryOf(blocked.user.id, event))?.skippedAt).toEqual(expect.any(String));
  expect(await mailsAbout(other.user.email, pupil)).toHaveLength(1);
});

it('J1 immediate: a teacher whose custom role lost behaviour.view while the run is under way is not emailed (the trust context is read again)', async () => {
  const role = await reportReaderRole(admin, ['behaviour.view']);
  const as = { ...trust, token: admin };
  const [narrowed, other] = [
    await actor(as, { memberships: [{ nodeId: school }], roles: [{ roleId: role, nodeId: school }] }),
    await teacher(),
  ];
  await behaviourImmediate(narrowed.token);
  await behaviourImmediate(other.token);
  const pupil = `pupil-${randomUUID().slice(0, 8)}`;
  const event = await raise(pupil);
  expect(event.recipients.find((r) => r.userId === narrowed.user.id)?.delivery).toBe('immediate');
  const patch = onClaim(narrowed.user.id, event, async () => {
    const version = ((await call('GET', '/roles', { token: admin })).body.items as any[]).find((r) => r.id === role)!.version;
    return call('PATCH', `/roles/${role}`, { token: admin, headers: { 'if-match': String(version) }, body: { permissions: ['pastoral.view'] } });
  });
  const summary = await deliverImmediate(trust.trustId, new Date(), event.keyHash);
  expect(patch.status).toBe(200);
  expect(summary).toMatchObject({ skipped: 1, failed: 0 });
  expect(await mailsAbout(narrowed.user.email, pupil)).toHaveLength(0);
  expect(await mailsAbout(other.user.email, pupil)).toHaveLength(1);
});

it('J1 digest: a teacher deactivated while the digest run is under way is not sent the digest', async () => {
  const [leaver, other] = [await teacher(), await teacher()];
  const pupil = `pupil-${randomUUID().slice(0, 8)}`;
  const event = await raise(pupil);
  const mine = event.recipients.find((r) => r.userId === leaver.user.id);
  expect(mine?.delivery).toBe('digest');
  expect(event.recipients.find((r) => r.userId === other.user.id)?.dueAt).toBe(mine!.dueAt);
  const deactivate = onClaim(leaver.user.id, event, () => call('POST', `/users/${leaver.user.id}/deactivate`, { token: admin }));
  await deliverDigests(trust.trustId, new Date(mine!.dueAt!));
  expect(deactivate.status).toBe(200);
  expect(await mailsAbout(leaver.user.email, pupil)).toHaveLength(0);
  expect((await entryOf(leaver.user.id, event))?.skippedAt).toEqual(expect.any(String));
  expect(await mailsAbout(other.user.email, pupil)).toHaveLength(1);
});

it('J5: a category turned off while the run is under way is not emailed; the entry stays in the feed', async () => {
  const [quiet, other] = [await teacher(), await teacher()];
  await behaviourImmediate(quiet.token);
  await behaviourImmediate(other.token);
  const pupil = `pupil-${randomUUID().slice(0, 8)}`;
  const event = await raise(pupil);
  expect(event.recipients.find((r) => r.userId === quiet.user.id)?.delivery).toBe('immediate');
  const off = onClaim(quiet.user.id, event, async () => {
    const prefs = await call('GET', '/me/notification-preferences', { token: quiet.token });
    return call('PUT', '/me/notification-preferences', { token: quiet.token, headers: { 'if-match': String(prefs.body.version) }, body: { categories: { behaviour: 'off' } } });
  });
  const summary = await deliverImmediate(trust.trustId, new Date(), event.keyHash);
  expect(off.status).toBe(200);
  expect(summary).toMatchObject({ skipped: 1, failed: 0 });
  expect(await mailsAbout(quiet.user.email, pupil)).toHaveLength(0);
  expect((await call('GET', '/me/notifications', { token: quiet.token })).body.items.map((i: any) => i.id)).toContain(event.id);
  expect(await mailsAbout(other.user.email, pupil)).toHaveLength(1);
});

it('J3: a late run decides at the real time: a role that ended after the run was due but before it ran sends nothing', async () => {
  const ends = new Date(Date.now() + 8_000);
  const leaving = await actor({ ...trust, token: admin }, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school, validUntil: ends.toISOString() }] });
  const staying = await teacher();
  await behaviourImmediate(leaving.token);
  await behaviourImmediate(staying.token);
  const pupil = `pupil-${randomUUID().slice(0, 8)}`;
  const event = await raise(pupil);
  expect(event.recipients.map((r) => r.userId)).toEqual(expect.arrayContaining([leaving.user.id, staying.user.id]));
  // The run was due a minute before the role ended, and runs (late, as a retried schedule does) once it has ended.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ends.getTime() - Date.now() + 200)));
  const summary = await deliverImmediate(trust.trustId, new Date(ends.getTime() - 60_000), event.keyHash);
  expect(summary).toMatchObject({ skipped: 1, failed: 0 });
  expect(await mailsAbout(leaving.user.email, pupil)).toHaveLength(0);
  expect(await mailsAbout(staying.user.email, pupil)).toHaveLength(1);
});
