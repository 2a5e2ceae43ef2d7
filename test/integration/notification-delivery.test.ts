import { randomUUID } from 'node:crypto';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { activate, createUser } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD } from '../fixtures/trust';

// This process sends the emails itself (the gateway's own sender is not mocked), so it signs links with a key of its own.
process.env.LINK_SIGNING_KEY ??= 'integration-test-link-key-0123456789abcdef';
// Raising here logs that no queue is configured (the expected path of this test); keep the run's output clean.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { deliverImmediate } = await import('../../functions/notifications/deliver');
const { raiseEvent } = await import('../../functions/notifications/raise');
const { getTrust } = await import('../../functions/adapters/dynamo/trust-repository');
const { handler: notifyWorker } = await import('../../functions/notifications/notify-job');
const ses = mockClient(SESv2Client);
afterAll(() => ses.restore());

let trustId: string;
let dslToken: string;
let schoolId: string;

beforeAll(async () => {
  const trust = await makeTrust();
  trustId = trust.trustId;
  const school = trust.nodes['North School']!.id;
  schoolId = school;
  const admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const dsl = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: school }] });
  // The feed shows a child protection entry only to a session that passed 2FA.
  dslToken = await signInWithTotp(dsl.email, TEST_PASSWORD, await turnOnTotp(await activate(trust, dsl)));
  // Raised in this process, which has no queue configured: the entries wait for a sender (the local stack's
  // own queue worker would otherwise email them at once, through its own, unmocked SES).
  const raised = await raiseEvent((await getTrust(trustId))!, {
    category: 'child_protection', nodeId: school, subjectId: 'pupil-1', title: 'Concern', occurredAt: '2026-12-01T09:00:00Z',
    idempotencyKey: randomUUID(), sender: { type: 'user', id: trust.adminId },
  });
  expect(raised.event.recipients.length).toBeGreaterThanOrEqual(1);
});

describe('immediate delivery when SES fails', () => {
  it('reports the queue message failed, so SQS delivers it again (and the entry stays waiting)', async () => {
    const raised = await raiseEvent((await getTrust(trustId))!, {
      category: 'child_protection', nodeId: (await getTrust(trustId))!.rootNodeId, subjectId: 'pupil-2', title: 'Concern', occurredAt: '2026-12-01T09:00:00Z',
      idempotencyKey: randomUUID(), sender: { type: 'user', id: 'test' },
    });
    ses.reset();
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('SES is down'), { name: 'ServiceUnavailableException', $metadata: {} }));
    const message = { messageId: 'm-1', body: JSON.stringify({ trustId, eventKeyHash: raised.event.keyHash }) };
    const failed = (await notifyWorker({ Records: [message] })) as { batchItemFailures: { itemIdentifier: string }[] };
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'sent' });
    const retried = (await notifyWorker({ Records: [message] })) as { batchItemFailures: unknown[] };
    expect(retried.batchItemFailures).toEqual([]);
  });

  it('keeps the entry waiting, and the next run sends it exactly once', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('SES is down'), { name: 'ServiceUnavailableException', $metadata: {} }));
    const failed = await deliverImmediate(trustId, new Date());
    expect(failed).toMatchObject({ sent: 0, failed: expect.any(Number) });
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    const feed = async () => (await call('GET', '/me/notifications', { token: dslToken })).body.items.find((i: any) => i.subjectId === 'pupil-1');
    expect((await feed()).emailedAt).toBeUndefined();

    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const retried = await deliverImmediate(trustId, new Date());
    expect(retried.failed).toBe(0);
    // A sweep by the local stack running at the same moment may send some of them instead; never both.
    expect(retried.sent).toBeLessThanOrEqual(failed.failed);
    expect((await feed()).emailedAt).toEqual(expect.any(String));
    expect(ses.commandCalls(SendEmailCommand).length).toBe(retried.sent);
    expect((await deliverImmediate(trustId, new Date())).sent).toBe(0);
  });
});

describe('SES unable to send for a while (review D, D4)', () => {
  it('never gives an email up because SES was down or throttling: only refusals of the email itself count', async () => {
    const raised = await raiseEvent((await getTrust(trustId))!, {
      category: 'child_protection', nodeId: schoolId, subjectId: 'pupil-outage', title: 'Concern', occurredAt: '2026-12-01T09:00:00Z',
      idempotencyKey: randomUUID(), sender: { type: 'user', id: 'test' },
    });
    expect(raised.event.recipients.length).toBeGreaterThanOrEqual(1);
    ses.reset();
    let givenUp = 0;
    for (let run = 0; run < 12; run++) {
      const name = run % 2 === 0 ? 'ServiceUnavailableException' : 'TooManyRequestsException';
      ses.on(SendEmailCommand).rejects(Object.assign(new Error('SES cannot send now'), { name, $metadata: {} }));
      givenUp += (await deliverImmediate(trustId, new Date(), raised.event.keyHash)).givenUp;
    }
    expect(givenUp).toBe(0);
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'after-the-outage' });
    await deliverImmediate(trustId, new Date(), raised.event.keyHash);
    const entry = (await call('GET', '/me/notifications', { token: dslToken })).body.items.find((i: any) => i.subjectId === 'pupil-outage');
    expect(entry.emailedAt).toEqual(expect.any(String));
  });

  it('counts a refusal of the email itself (MessageRejected) toward giving it up', async () => {
    const { refusedForGood } = await import('../../functions/notifications/deliver');
    expect(refusedForGood(Object.assign(new Error('x'), { name: 'MessageRejected' }))).toBe(true);
    for (const name of ['ServiceUnavailableException', 'TooManyRequestsException', 'SendingPausedException', 'InternalFailure', 'TimeoutError']) {
      expect(refusedForGood(Object.assign(new Error('x'), { name })), name).toBe(false);
    }
  });
});
