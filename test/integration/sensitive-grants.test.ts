import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds, presetRoles } from '../../domain/access/roles';
import { createJob, getPlanMeta, loadJob, markPlanApplied } from '../../functions/adapters/dynamo/import-repository';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/adapters/dynamo/client';
import { outboxOf, removeOutboxEntry } from '../../functions/adapters/dynamo/outbox-repository';
import { accountSecurityEvent, outboxItems } from '../../functions/shared/account-security';
import { getTrust } from '../../functions/adapters/dynamo/trust-repository';
import { drainOutbox } from '../../functions/notifications/service-events';
import { sensitiveGrantEvents } from '../../functions/shared/security-events';
import { securityTitles } from '../fixtures/notifications';
import { applyChunk } from '../../functions/users/import-worker';
import { call } from '../fixtures/api';
import { actor, createUser } from '../fixtures/people';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * The account_security event of a sensitive grant is written in the grant's
 * own transaction (the outbox) and raised by the notify job's sweep, keyed by
 * the stored grant (person, node, assignment ids): it exists exactly when the
 * grant does, and reporting the same grant again (a job re-run, a message
 * delivered twice) adds nothing.
 */
let trust: TestTrust;
let schoolAdmin: { token: string };
let admin2fa: string;
const north = () => trust.nodes['North School']!.id;
const about = async (name: string) => (await securityTitles(schoolAdmin.token)).filter((title) => title.startsWith(`${name}: `));
const waiting = async (userId: string) => (await outboxOf(trust.trustId, 1000)).filter((entry) => entry.events.some((event) => event.subject?.id === userId));

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
}, 60_000);

describe('sensitive grant events', () => {
  it('are stored with the grant itself: waiting in the outbox before any step after the write, raised once by the sweep', async () => {
    const ida = await createUser(trust.token, { firstName: 'Ida', lastName: 'Outbox', memberships: [{ nodeId: north() }] });
    const given = await call('POST', `/users/${ida.id}/roles`, { token: admin2fa, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: north() } });
    expect(given.status).toBe(201);
    // The grant's transaction wrote the event: nothing after the commit had to run for it to exist.
    const [entry, ...more] = await waiting(ida.id);
    expect(more).toEqual([]);
    expect(entry!.events).toEqual([expect.objectContaining({ category: 'account_security', nodeId: north(), key: `account_security:grant:${ida.id}:${north()}:${given.body.id}` })]);
    const feed = await call('GET', '/me/notifications?limit=200', { token: schoolAdmin.token });
    expect((feed.body.items as { title: string }[]).filter((i) => i.title.startsWith('Ida Outbox'))).toEqual([]);
    // The sweep raises it and empties the outbox; another sweep adds nothing.
    expect(await about('Ida Outbox')).toHaveLength(1);
    expect(await waiting(ida.id)).toEqual([]);
    expect(await about('Ida Outbox')).toHaveLength(1);
    // A refused grant stores nothing to tell: a password-only session may not give DSL.
    const refused = await call('POST', `/users/${ida.id}/roles`, { token: trust.token, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: trust.nodes['South School']!.id } });
    expect(refused.status).toBe(403);
    expect(await waiting(ida.id)).toEqual([]);
  });

  it('the same stored grant reported twice raises one event; another grant of the same role is another event', async () => {
    const roles = new Map(presetRoles().map((r) => [r.id, r]));
    const subject = { id: randomUUID(), firstName: 'Ida', lastName: 'Idempotent' };
    const by = { firstName: 'Test', lastName: 'Admin' };
    const grant = { id: randomUUID(), roleId: presetIds.designatedSafeguardingLead, nodeId: north() };
    const report = (granted: typeof grant[], person = subject) =>
      documentClient().send(new TransactWriteCommand({ TransactItems: outboxItems(trust.trustId, sensitiveGrantEvents(roles, by, person, granted, 'CSV import')) }));
    await report([grant]);
    await report([grant]);
    expect(await about('Ida Idempotent')).toHaveLength(1);
    await report([{ ...grant, id: randomUUID() }]);
    expect(await about('Ida Idempotent')).toHaveLength(2);
    // A grant without sensitive permissions has nothing to report.
    expect(sensitiveGrantEvents(roles, by, subject, [{ ...grant, id: randomUUID(), roleId: presetIds.teacher }])).toEqual([]);
  });

  it('an import chunk delivered twice at once, then again, raises one event per person granted', async () => {
    const existing = await createUser(trust.token, { firstName: 'Rex', lastName: 'Redelivered', memberships: [{ nodeId: north() }] });
    const file = stringify([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools', 'roles'],
      [existing.id, 'Rex', 'Redelivered', existing.email, '', 'North School', 'Designated Safeguarding Lead@North School'],
    ]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: admin2fa, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(preview.body.summary).toMatchObject({ update: 1, error: 0 });
    const meta = (await getPlanMeta(trust.trustId, preview.body.planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, preview.body.planId, importId)).toBe(true);
    await createJob(trust.trustId, {
      id: importId, planId: preview.body.planId, importerId: trust.adminId, mfa: true, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const message = { trustId: trust.trustId, importId, chunk: 0 };
    const deliveries = await Promise.allSettled([applyChunk(message), applyChunk(message)]);
    if (deliveries.some((d) => d.status === 'rejected')) await applyChunk(message);
    await applyChunk(message);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'done', updated: 1, failed: 0 });
    expect(await about('Rex Redelivered')).toHaveLength(1);
  });
});

describe('the outbox sweep', () => {
  it('raises at most its limit of entries per trust, oldest first, none once its time is running out; the next sweep takes the rest', async () => {
    const own = await makeTrust();
    const stored = (await getTrust(own.trustId))!;
    const people = ['First', 'Second', 'Third'].map((lastName) => ({ id: randomUUID(), firstName: 'Ola', lastName }));
    for (const [i, person] of people.entries()) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      await documentClient().send(new TransactWriteCommand({ TransactItems: outboxItems(own.trustId, [accountSecurityEvent(person, null, 'test event')], at) }));
    }
    expect(await drainOutbox(stored, { limit: 2 })).toBe(2);
    const left = await outboxOf(own.trustId, 10);
    expect(left.map((entry) => entry.events[0]!.subject!.lastName)).toEqual(['Third']);
    expect(await drainOutbox(stored, { shouldStop: () => true })).toBe(0);
    expect(await outboxOf(own.trustId, 10)).toHaveLength(1);
    expect(await drainOutbox(stored)).toBe(1);
    expect(await outboxOf(own.trustId, 10)).toEqual([]);
  });

  it('raises the rest when one entry cannot be raised (it waits for the next sweep), and tells the trust of an event whose node is gone (review G, G5 and G2)', async () => {
    const own = await makeTrust();
    const stored = (await getTrust(own.trustId))!;
    const write = (at: string, event: ReturnType<typeof accountSecurityEvent>) =>
      documentClient().send(new TransactWriteCommand({ TransactItems: outboxItems(own.trustId, [event], at) }));
    const person = (lastName: string) => ({ id: randomUUID(), firstName: 'Gus', lastName });
    // The oldest entry names a category no release knows (a rolled-back deploy); the next, a school deleted since.
    await write('2026-01-01T00:00:00.000Z', { ...accountSecurityEvent(person('Poison'), null, 'x'), category: 'no_such_category' });
    await write('2026-01-01T00:00:01.000Z', accountSecurityEvent(person('Closed'), 'deleted-school-id', 'given Designated Safeguarding Lead (sensitive permissions)', `grant:${randomUUID()}`));
    expect(await drainOutbox(stored)).toBe(1);
    expect((await outboxOf(own.trustId, 10)).map((entry) => entry.events[0]!.subject!.lastName)).toEqual(['Poison']);
    // Told at the trust root: the trust admin hears of it.
    expect((await securityTitles(own.token)).filter((t) => t.startsWith('Gus Closed: '))).toHaveLength(1);
    // Out of the other tests' sweeps.
    for (const entry of await outboxOf(own.trustId, 10)) await removeOutboxEntry(entry.key);
  });
});
