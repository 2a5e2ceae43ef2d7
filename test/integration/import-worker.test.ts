import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it, vi } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { createJob, getPlanMeta, loadJob, markPlanApplied, setJobStatus } from '../../functions/adapters/dynamo/import-repository';
import { documentClient } from '../../functions/adapters/dynamo/client';
import { applyChunk } from '../../functions/users/import-worker';
import { call } from '../fixtures/api';
import { createUser, uniqueEmail } from '../fixtures/people';
import { makeTrust } from '../fixtures/trust';

/**
 * The worker against DynamoDB Local, driven directly: SQS delivers at least
 * once, so the same chunk may run twice at the same time, or again after a
 * crash. Every row must still be applied exactly once.
 */
describe('the import worker', () => {
  it('applies each row once when a chunk is delivered twice at once, and again after a crash before the job was marked done', async () => {
    const trust = await makeTrust();
    const teacher = { memberships: [{ nodeId: trust.nodes['North School']!.id }], roles: [{ roleId: presetIds.teacher, nodeId: trust.nodes['North School']!.id }] };
    const a = await createUser(trust.token, teacher);
    const b = await createUser(trust.token, teacher);
    const email = uniqueEmail('once');
    const file = stringify([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools'],
      [a.id, a.firstName, 'Once', a.email, '', ''],
      [b.id, b.firstName, 'Once', b.email, '', 'North School; South School'],
      ['', 'New', 'Person', email, 'staff', 'North School'],
    ]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: trust.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(preview.body.summary).toEqual({ create: 1, update: 2, unchanged: 0, error: 0 });
    const { planId } = preview.body;

    // What POST /users/import does, without the queue: the test delivers the messages itself.
    const meta = (await getPlanMeta(trust.trustId, planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, planId, importId)).toBe(true);
    expect(await markPlanApplied(trust.trustId, planId, randomUUID())).toBe(false);
    await createJob(trust.trustId, {
      id: importId, planId, importerId: trust.adminId, mfa: false, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const message = { trustId: trust.trustId, importId, chunk: 0 };
    const deliveries = await Promise.allSettled([applyChunk(message), applyChunk(message)]);
    // A delivery that met the other one mid-create asks to be delivered again: SQS would.
    if (deliveries.some((d) => d.status === 'rejected')) await applyChunk(message);

    const expected = { status: 'done', total: 3, done: 3, created: 1, updated: 2, unchanged: 0, failed: 0 };
    const first = (await loadJob(trust.trustId, importId))!;
    expect(first.job).toMatchObject(expected);
    expect(first.rows.map((r) => [r.line, r.ok])).toEqual([[2, true], [3, true], [4, true]]);
    const version = async (id: string) => (await call('GET', `/users/${id}`, { token: trust.token })).body.version;
    const [va, vb] = [await version(a.id), await version(b.id)];
    expect([va, vb]).toEqual([a.version + 1, b.version + 1]);

    // A worker that crashed after the rows but before marking the job done is delivered again.
    await setJobStatus(trust.trustId, importId, 'running');
    await applyChunk(message);
    const again = (await loadJob(trust.trustId, importId))!;
    expect(again.job).toMatchObject(expected);
    expect(again.rows).toEqual(first.rows);
    expect([await version(a.id), await version(b.id)]).toEqual([va, vb]);
    const created = await call('GET', `/users/${preview.body.rows[2].userId}`, { token: trust.token });
    expect(created.body).toMatchObject({ email, version: 1 });
  });

  it('plans a row again after a busy transaction (a hot node counter) instead of failing it for good (review C, 5)', async () => {
    const trust = await makeTrust();
    const a = await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['North School']!.id }] });
    const file = stringify([['id', 'firstName', 'lastName', 'email', 'userType', 'schools'], [a.id, a.firstName, 'Busy', a.email, '', 'North School; South School']]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: trust.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    const { planId } = preview.body;
    const meta = (await getPlanMeta(trust.trustId, planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, planId, importId)).toBe(true);
    await createJob(trust.trustId, {
      id: importId, planId, importerId: trust.adminId, mfa: false, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    // DynamoDB Local never answers TransactionConflict; AWS does when another writer holds the same node counter.
    const client = documentClient();
    const send = client.send.bind(client);
    let conflicts = 0;
    const spy = vi.spyOn(client, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'TransactWriteCommand' && conflicts < 2) {
        conflicts += 1;
        throw Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'TransactionConflict' }] });
      }
      return send(command as never);
    }) as never);
    try {
      await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(conflicts).toBe(2);
    const job = (await loadJob(trust.trustId, importId))!;
    expect(job.job).toMatchObject({ status: 'done', updated: 1, failed: 0 });
    expect((await call('GET', `/users/${a.id}`, { token: trust.token })).body.lastName).toBe('Busy');
  });
});

