import { BatchWriteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { auditPut } from './audit-repository';
import { documentClient, queryAll, tableName } from './client';
import { cancellationCodes, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * The CSV import's items: a previewed plan (kept one hour, in chunks under
 * DynamoDB's 400 KB item limit) and an applied import's progress, written row
 * by row in the same transaction as the row's change, so a worker retried
 * after a crash finds what it already did.
 */

/** An import's progress is kept this long after it was applied (DynamoDB's TTL). */
export const IMPORT_RECORD_TTL_SECONDS = 30 * 86_400;

/** A chunk of plan rows stays under this many bytes of JSON (items may hold 400 KB). */
export const PLAN_CHUNK_BYTES = 300_000;
/** …and this many rows: one queue message applies one chunk. */
export const PLAN_CHUNK_ROWS = 200;

export interface PlanMeta {
  planId: string;
  importerId: string;
  createdAt: string;
  /** Epoch seconds: the plan may be applied until then (and DynamoDB's TTL removes it later). */
  expiresAt: number;
  total: number;
  chunks: number;
  appliedAs?: string;
}

/**
 * Splits rows into chunks by count and by JSON size: every chunk's JSON is at
 * most `maxBytes`. A single row bigger than that is refused (the preview
 * stores such a row as a small error row, MAX_PLAN_ROW_BYTES), never written
 * as an item over DynamoDB's 400 KB.
 */
export function chunkRows<T>(rows: readonly T[], maxBytes = PLAN_CHUNK_BYTES, maxRows = PLAN_CHUNK_ROWS): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 2; // the array's brackets
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row), 'utf8') + 1;
    if (size + 2 > maxBytes) throw new Error(`A plan row of ${size} bytes cannot be stored in a chunk of at most ${maxBytes}`);
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRows)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A store call whose errors leave as domain errors (throttling → 429). */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** Stores a plan: its row chunks first, then the META item that makes it usable (with `audit`, in one transaction: no usable plan unaudited). */
export async function savePlan<T>(trustId: string, meta: Omit<PlanMeta, 'chunks'>, rows: readonly T[], audit?: AuditRecord): Promise<void> {
  const chunks = chunkRows(rows);
  const items = chunks.map((chunk, i) => ({
    ...keys.importPlan(trustId, meta.planId, i), entity: 'import-plan-chunk', trustId, rows: JSON.stringify(chunk), expiresAt: meta.expiresAt,
  }));
  for (let i = 0; i < items.length; i += 25) {
    let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
      [tableName()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length > 0) {
      const result = await guarded(() => documentClient().send(new BatchWriteCommand({ RequestItems: request })));
      request = result.UnprocessedItems as typeof request;
    }
  }
  const put = { TableName: tableName(), Item: { ...keys.importPlan(trustId, meta.planId), entity: 'import-plan', trustId, ...meta, chunks: chunks.length } };
  if (!audit) {
    await guarded(() => documentClient().send(new PutCommand(put)));
    return;
  }
  await guarded(() => documentClient().send(new TransactWriteCommand({ TransactItems: [{ Put: put }, auditPut(trustId, audit)] })));
}

export async function getPlanMeta(trustId: string, planId: string): Promise<PlanMeta | undefined> {
  const { Item } = await guarded(() => documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.importPlan(trustId, planId), ConsistentRead: true })));
  return Item as PlanMeta | undefined;
}

/** Marks a plan applied as `importId`, once: false when it already was (or is gone). */
export async function markPlanApplied(trustId: string, planId: string, importId: string): Promise<boolean> {
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.importPlan(trustId, planId),
      UpdateExpression: 'SET appliedAs = :id',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(appliedAs)',
      ExpressionAttributeValues: { ':id': importId },
    }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    return rethrowStoreError(error);
  }
}

/** One chunk of a plan's rows. */
export async function loadPlanChunk<T>(trustId: string, planId: string, chunk: number): Promise<T[] | undefined> {
  const { Item } = await guarded(() => documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.importPlan(trustId, planId, chunk), ConsistentRead: true })));
  return Item ? (JSON.parse(String(Item.rows)) as T[]) : undefined;
}

// ---- progress ----------------------------------------------------------------

export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';
export type RowOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

export interface ImportJob {
  id: string;
  planId: string;
  importerId: string;
  /** Whether the session that applied the plan passed 2FA when it did (kept for jobs queued before `session`; shown nowhere). */
  mfa: boolean;
  /**
   * The session that applied the plan: the worker acts only while it is still
   * valid (a sign-out everywhere stops the job) and counts its 2FA only while
   * it still passes (a 2FA reset withdraws it), as for a request (callerOf).
   */
  session?: { authTime: number; sessionId?: string };
  status: ImportStatus;
  total: number;
  chunks: number;
  done: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  createdAt: string;
  expiresAt: number;
}

export interface RowResult {
  line: number;
  ok: boolean;
  userId?: string;
  error?: string;
}

export async function createJob(trustId: string, job: ImportJob): Promise<void> {
  await guarded(() => documentClient().send(new PutCommand({
    TableName: tableName(),
    Item: { ...keys.importJob(trustId, job.id), entity: 'import', trustId, ...job },
    ConditionExpression: 'attribute_not_exists(pk)',
  })));
}

export async function getJob(trustId: string, importId: string): Promise<ImportJob | undefined> {
  const { Item } = await guarded(() => documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.importJob(trustId, importId), ConsistentRead: true })));
  return Item as ImportJob | undefined;
}

export async function setJobStatus(trustId: string, importId: string, status: ImportStatus, onlyFrom?: ImportStatus): Promise<void> {
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.importJob(trustId, importId),
      UpdateExpression: 'SET #status = :status',
      ConditionExpression: onlyFrom ? '#status = :from' : 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ...(onlyFrom ? { ':from': onlyFrom } : {}) },
    }));
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return;
    rethrowStoreError(error);
  }
}

const lineAttribute = (line: number) => `L${line}`;

/**
 * The items that record one row's result, exactly once: the result on the
 * chunk's item unless already there, and the job's counters. They join the
 * row's own transaction when the row changes someone.
 */
export function rowRecordItems(trustId: string, importId: string, chunk: number, result: RowResult, outcome: RowOutcome): TransactItem[] {
  return [
    {
      Update: {
        TableName: tableName(),
        Key: keys.importJob(trustId, importId, chunk),
        UpdateExpression: 'SET #line = :result, entity = :entity, expiresAt = if_not_exists(expiresAt, :expires)',
        ConditionExpression: 'attribute_not_exists(#line)',
        ExpressionAttributeNames: { '#line': lineAttribute(result.line) },
        ExpressionAttributeValues: { ':result': result, ':entity': 'import-rows', ':expires': Math.floor(Date.now() / 1000) + IMPORT_RECORD_TTL_SECONDS },
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.importJob(trustId, importId),
        UpdateExpression: 'ADD done :one, #outcome :one',
        ExpressionAttributeNames: { '#outcome': outcome },
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
  ];
}

/** Records a row that changes nobody (unchanged, refused, stale); a second record of the same row is a no-op. */
export async function recordRow(trustId: string, importId: string, chunk: number, result: RowResult, outcome: RowOutcome): Promise<void> {
  try {
    await documentClient().send(new TransactWriteCommand({ TransactItems: rowRecordItems(trustId, importId, chunk, result, outcome) }));
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return;
    rethrowStoreError(error);
  }
}

/** The lines of one chunk already recorded. */
export async function recordedLines(trustId: string, importId: string, chunk: number): Promise<Set<number>> {
  const { Item } = await guarded(() => documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.importJob(trustId, importId, chunk), ConsistentRead: true })));
  return new Set(Object.keys(Item ?? {}).filter((k) => /^L\d+$/.test(k)).map((k) => Number(k.slice(1))));
}

/** The job and every recorded row, in line order. */
export async function loadJob(trustId: string, importId: string): Promise<{ job: ImportJob; rows: RowResult[] } | undefined> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.importJobPartition(trustId, importId) },
    ConsistentRead: true,
  });
  const meta = items.find((item) => item.sk === 'META');
  if (!meta) return undefined;
  const rows = items
    .filter((item) => String(item.sk).startsWith('ROWS#'))
    .flatMap((item) => Object.entries(item).filter(([k]) => /^L\d+$/.test(k)).map(([, v]) => v as RowResult))
    .sort((a, b) => a.line - b.line);
  return { job: meta as unknown as ImportJob, rows };
}
