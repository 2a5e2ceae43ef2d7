import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkRows, loadPlanChunk, PLAN_CHUNK_BYTES, PLAN_CHUNK_ROWS, savePlan, getPlanMeta } from '../../functions/adapters/dynamo/import-repository';

/**
 * Security review B, F3: a plan chunk is one DynamoDB item, so no chunk may
 * pass 400 KB whatever the rows' sizes: chunks are cut by bytes as well as by
 * rows, and a single row too big for a chunk is refused before any write
 * (the preview stores such a row as a small error row instead).
 */
const row = (bytes: number, i: number) => ({ line: i, text: 'r'.repeat(bytes) });

describe('plan chunks', () => {
  it('never holds more than PLAN_CHUNK_BYTES of JSON or PLAN_CHUNK_ROWS rows, whatever the mix of sizes', () => {
    const sizes = [10, 250_000, 120_000, 299_000, 5, 60_000, 60_000, 60_000, 60_000, 60_000, 1, ...Array(450).fill(100)];
    const rows = sizes.map(row);
    const chunks = chunkRows(rows);
    for (const chunk of chunks) {
      expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThanOrEqual(PLAN_CHUNK_BYTES);
      expect(chunk.length).toBeLessThanOrEqual(PLAN_CHUNK_ROWS);
    }
    expect(chunks.flat()).toEqual(rows);
  });

  it('refuses a row that no chunk can hold, rather than writing an item over 400 KB', () => {
    expect(() => chunkRows([row(10, 1), row(PLAN_CHUNK_BYTES, 2)])).toThrow(/cannot be stored/);
  });

  it('stores and reads back a plan of big rows on DynamoDB Local', async () => {
    const trustId = `chunks-${randomUUID()}`;
    const planId = randomUUID();
    const rows = [row(290_000, 1), row(200_000, 2), row(200_000, 3), row(50, 4)];
    await savePlan(trustId, { planId, importerId: 'someone', createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 600, total: rows.length }, rows);
    const meta = (await getPlanMeta(trustId, planId))!;
    expect(meta.chunks).toBe(3);
    const read = [];
    for (let i = 0; i < meta.chunks; i++) read.push(...((await loadPlanChunk(trustId, planId, i)) ?? []));
    expect(read).toEqual(rows);
  });
});
