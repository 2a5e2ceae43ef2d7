import { randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord, type AuditRecord } from '../../domain/audit/audit-record';
import { AUDIT_EXAMINE_BUDGET, auditPut, listAudit } from '../../functions/adapters/dynamo/audit-repository';
import { documentClient } from '../../functions/adapters/dynamo/client';

/** A trust id of its own, so nothing else writes into this audit partition. */
const trustId = `audit-${randomUUID()}`;
const base = Date.parse('2026-01-01T00:00:00.000Z');
const records: AuditRecord[] = [];

/** Writes 300 records a second apart: actor/target/node vary, one in 30 is at node "rare". */
beforeAll(async () => {
  for (let i = 0; i < 300; i++) {
    records.push(auditRecord({
      id: randomUUID(), at: new Date(base + i * 1000).toISOString(), actorId: `actor-${i % 3}`, action: 'test', targetType: 'user',
      targetId: `target-${i % 10}`, nodeId: i % 30 === 0 ? 'rare' : 'common',
    }));
  }
  for (let i = 0; i < records.length; i += 100) {
    await documentClient().send(new TransactWriteCommand({ TransactItems: records.slice(i, i + 100).map((r) => auditPut(trustId, r)) }));
  }
});

async function reading<T>(fn: () => Promise<T>): Promise<{ value: T; itemsRead: number; queries: QueryCommand[] }> {
  const send = vi.spyOn(documentClient(), 'send');
  const value = await fn();
  const outputs = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ Items?: unknown[] }>));
  const queries = send.mock.calls.map(([c]) => c as unknown).filter((c): c is QueryCommand => c instanceof QueryCommand);
  send.mockRestore();
  return { value, itemsRead: outputs.reduce((n, o) => n + (o.Items?.length ?? 0), 0), queries };
}

describe('listAudit on DynamoDB Local', () => {
  it('reads an actor\'s records through the actor index, not the partition', async () => {
    const { value, itemsRead, queries } = await reading(() => listAudit(trustId, { actorId: 'actor-1', limit: 200 }));
    expect(value.items).toHaveLength(100);
    expect(value.items.every((r) => r.actorId === 'actor-1')).toBe(true);
    expect(queries.every((q) => q.input.IndexName === 'gsi1')).toBe(true);
    expect(itemsRead).toBe(100);
  });

  it('reads a target\'s records through the target index, newest first, and pages them without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let reads = 0;
    do {
      const { value, itemsRead, queries } = await reading(() => listAudit(trustId, { targetId: 'target-7', limit: 7, cursor }));
      expect(queries.every((q) => q.input.IndexName === 'gsi2')).toBe(true);
      expect(value.items.length).toBeGreaterThan(0);
      seen.push(...value.items.map((r) => r.id));
      reads += itemsRead;
      cursor = value.nextCursor ?? undefined;
    } while (cursor);
    const expected = records.filter((r) => r.targetId === 'target-7').reverse().map((r) => r.id);
    expect(seen).toEqual(expected);
    // Each page reads its 7 and looks one ahead: the cost follows the pages, not the partition.
    expect(reads).toBeLessThanOrEqual(expected.length + Math.ceil(expected.length / 7));
  });

  it('fills a page from records far apart when most are filtered out, and never hands out a cursor with nothing after it', async () => {
    const seen: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const { value } = await reading(() => listAudit(trustId, { nodeId: 'rare', limit: 4, cursor }));
      expect(value.items.length).toBeGreaterThan(0);
      seen.push(...value.items);
      cursor = value.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.map((r) => r.id)).toEqual(records.filter((r) => r.nodeId === 'rare').reverse().map((r) => r.id));
  });

  it('stops after its budget of examined records and answers a cursor to continue', async () => {
    expect(AUDIT_EXAMINE_BUDGET).toBeGreaterThan(300);
    const { itemsRead } = await reading(() => listAudit(trustId, { nodeId: 'nowhere', limit: 50 }));
    expect(itemsRead).toBe(300);
  });

  it('answers 400 for a cursor outside the from/to range it comes with', async () => {
    const first = await listAudit(trustId, { limit: 5 });
    const from = records[200]!.at;
    await expect(listAudit(trustId, { limit: 5, cursor: first.nextCursor!, to: records[100]!.at })).rejects.toMatchObject({ code: 'invalid_cursor' });
    const late = await listAudit(trustId, { limit: 5, from });
    expect(late.nextCursor).not.toBeNull();
    await expect(listAudit(trustId, { limit: 5, cursor: late.nextCursor!, from: records[298]!.at })).rejects.toMatchObject({ code: 'invalid_cursor' });
    expect((await listAudit(trustId, { limit: 5, cursor: late.nextCursor!, from })).items).toHaveLength(5);
  });
});
