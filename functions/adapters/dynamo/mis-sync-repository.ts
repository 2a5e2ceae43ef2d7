import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditPut } from './audit-repository';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { documentClient, queryAll, tableName } from './client';
import { InvalidInputError } from '../../../domain/errors';
import { byteSize } from '../../../domain/mis/run-errors';
import { decodeCursor, encodeCursor } from './cursor';
import { cancellationCodes, isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * A school's MIS state: one link per person its MIS lists or once listed
 * (`LINK#<misId>` → the account, the roles the sync gave there, when the
 * roster stopped listing them), the latest roster upload and its runs. A
 * link is written in the same transaction as its person's change.
 */
export interface MisLink {
  misId: string;
  userId: string;
  /** Roles the sync gave at this school (it takes away only these). */
  roleIds: string[];
  leftAt?: string;
  /** The run that last changed this person and what it did: a run taken up again after an interruption counts what its earlier part applied from these. */
  runId?: string;
  outcome?: LinkOutcome;
}

export type LinkOutcome = 'created' | 'updated' | 'deactivated' | 'reactivated';
const LINK_OUTCOMES: readonly string[] = ['created', 'updated', 'deactivated', 'reactivated'];

export function misLinkPut(trustId: string, nodeId: string, link: MisLink): TransactItem {
  return { Put: { TableName: tableName(), Item: { ...keys.misLink(trustId, nodeId, link.misId), entity: 'mis-link', trustId, nodeId, ...link } } };
}

export function misLinkDelete(trustId: string, nodeId: string, misId: string): TransactItem {
  return { Delete: { TableName: tableName(), Key: keys.misLink(trustId, nodeId, misId) } };
}

// A school's MIS people: one Query of its partition
export async function listMisLinks(trustId: string, nodeId: string): Promise<MisLink[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :link)',
    ExpressionAttributeValues: { ':pk': keys.misSchoolPartition(trustId, nodeId), ':link': 'LINK#' },
    ConsistentRead: true,
  });
  return items.map((item) => ({
    misId: String(item.misId), userId: String(item.userId), roleIds: (item.roleIds as string[] | undefined) ?? [],
    ...(typeof item.leftAt === 'string' ? { leftAt: item.leftAt } : {}),
    ...(typeof item.runId === 'string' ? { runId: item.runId } : {}),
    ...(typeof item.outcome === 'string' && LINK_OUTCOMES.includes(item.outcome) ? { outcome: item.outcome as LinkOutcome } : {}),
  }));
}

export interface RosterRef {
  rosterId: string;
  /** The person who uploaded it; absent for a roster dropped into the bucket by a connector. */
  uploadedBy?: string;
  uploadedAt: string;
  bytes: number;
}

export async function putRosterRef(trustId: string, nodeId: string, ref: RosterRef, audit: AuditRecord): Promise<void> {
  try {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...keys.misRoster(trustId, nodeId), entity: 'mis-roster', trustId, nodeId, ...ref } }));
    await documentClient().send(new PutCommand(auditPut(trustId, audit).Put));
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function getRosterRef(trustId: string, nodeId: string): Promise<RosterRef | undefined> {
  const item = await getItem(keys.misRoster(trustId, nodeId));
  return item && {
    rosterId: String(item.rosterId), uploadedAt: String(item.uploadedAt), bytes: Number(item.bytes),
    // A roster a connector dropped into the bucket has no person behind it.
    ...(typeof item.uploadedBy === 'string' && item.uploadedBy !== '' ? { uploadedBy: item.uploadedBy } : {}),
  };
}

/** `queued` and `approved` (a held run approved, waiting for the worker) answer as `running`. */
export type RunStatus = 'queued' | 'approved' | 'running' | 'done' | 'held' | 'failed';

export interface RunError {
  sourcedId: string | null;
  line: number | null;
  code: string;
  message: string;
}

export interface MisRun {
  id: string;
  nodeId: string;
  status: RunStatus;
  dryRun: boolean;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  rosterId: string | null;
  created: number;
  updated: number;
  deactivated: number;
  reactivated: number;
  unchanged: number;
  skippedEdited: number;
  errors: RunError[];
  /** Errors not listed, counted here: past the first MAX_RUN_ERRORS, or past MAX_RUN_ERROR_BYTES (domain/mis/run-errors.ts), so the item stays under 400 KB. */
  errorsOmitted: number;
  approvedBy?: string;
  /** Queued for the roster's uploader (the nightly job): the run acts for whoever uploaded the roster it reads. */
  forUploader?: boolean;
  /** Whom the run acted for (besides the settings' saver, who bounds every run): the starter, approver or uploader; the saver alone when none. */
  actsFor?: string;
  /** How often a worker has taken the run up (a continuation message names the part it continues). */
  part?: number;
  /** What the plan of the first part that applied found unchanged (a later part plans again, finding the earlier part's work unchanged too). */
  planned?: { unchanged: number; skippedEdited: number };
}

export { MAX_RUN_ERRORS } from '../../../domain/mis/run-errors';

const RUN_FIELDS = [
  'id', 'nodeId', 'status', 'dryRun', 'requestedBy', 'startedAt', 'finishedAt', 'rosterId', 'created', 'updated', 'deactivated',
  'reactivated', 'unchanged', 'skippedEdited', 'errors', 'errorsOmitted', 'approvedBy', 'forUploader', 'actsFor', 'part', 'planned',
] as const;

/** A run not finished: the worker (or an approval) has yet to move it on; the only statuses that carry the open-runs index keys. */
export const OPEN_RUN_STATUSES: readonly RunStatus[] = ['queued', 'approved', 'running'];
export const isOpen = (status: RunStatus) => OPEN_RUN_STATUSES.includes(status);

/**
 * A run's item. An unfinished run also carries the open-runs index keys
 * (gsi1, keys.misOpenRuns) with `movedAt`, when it last moved; a finished or
 * held one none (a Put replaces the item, so a finish removes them). The keys
 * sit on the run's own item, so they can never disagree with its status.
 */
export function runItem(trustId: string, run: MisRun, movedAt = new Date().toISOString()) {
  return {
    ...keys.misRun(trustId, run.nodeId, run.id), entity: 'mis-run', trustId, ...run,
    ...(isOpen(run.status) ? { gsi1pk: keys.misOpenRuns(trustId), gsi1sk: keys.misOpenRunSort(movedAt, run.id) } : {}),
  };
}

export const toRun = (item: Record<string, unknown>) => Object.fromEntries(RUN_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as MisRun;

/** A new run and its id → school pointer. */
export async function createRun(trustId: string, run: MisRun): Promise<void> {
  try {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...keys.misRunRef(trustId, run.id), entity: 'mis-run-ref', trustId, nodeId: run.nodeId } }));
    // Queued (or made) when it was started.
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: runItem(trustId, run, run.startedAt) }));
  } catch (error) {
    rethrowStoreError(error);
  }
}

/**
 * What a delivery saw of a run it finishes: its status and `part` (every
 * claim adds one; undefined before the first). The final save is made only
 * while the run is still so (review G, G7).
 */
export interface RunSeen {
  status: RunStatus;
  part: number | undefined;
}

/**
 * Stores the run as it is; with its audit record and `extra` items (its
 * outbox event) in one transaction. With `seen`, only while the run is still
 * as seen (same status, same part): false, and nothing written, when it has
 * moved meanwhile (the stuck-run sweep failed it, another delivery claimed or
 * finished it); true otherwise.
 */
export async function saveRun(trustId: string, run: MisRun, audit?: AuditRecord, extra: readonly TransactItem[] = [], seen?: RunSeen): Promise<boolean> {
  const condition = seen && {
    ConditionExpression: `#status = :seenStatus AND ${seen.part === undefined ? 'attribute_not_exists(#part)' : '#part = :seenPart'}`,
    ExpressionAttributeNames: { '#status': 'status', '#part': 'part' },
    ExpressionAttributeValues: { ':seenStatus': seen.status, ...(seen.part === undefined ? {} : { ':seenPart': seen.part }) },
  };
  try {
    const put = { Put: { TableName: tableName(), Item: runItem(trustId, run), ...condition } };
    if (!audit && extra.length === 0) await documentClient().send(new PutCommand(put.Put));
    else await documentClient().send(new TransactWriteCommand({ TransactItems: [put, ...(audit ? [auditPut(trustId, audit)] : []), ...extra] }));
    return true;
  } catch (error) {
    if (seen && (isConditionFailure(error) || cancellationCodes(error)?.[0] === 'ConditionalCheckFailed')) return false;
    return rethrowStoreError(error);
  }
}

/**
 * Moves a run from one status to another and counts the claim in `part`;
 * false when it was not in `from` (another delivery or approval took it) or,
 * with `part`, when it is no longer at that part (a duplicate continuation).
 * A claim is a move: an unfinished run's open-runs key takes the claim's time.
 */
export async function claimRun(
  trustId: string, nodeId: string, runId: string, from: RunStatus[], to: RunStatus, fields: Record<string, unknown> = {}, part?: number,
): Promise<boolean> {
  const names = Object.keys(fields);
  const open = isOpen(to);
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.misRun(trustId, nodeId, runId),
      UpdateExpression: `SET #status = :to${names.map((_, i) => `, #f${i} = :f${i}`).join('')}${open ? ', gsi1pk = :openPk, gsi1sk = :openSk' : ''} ADD #part :one${open ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
      ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})${part === undefined ? '' : ' AND #part = :part'}`,
      ExpressionAttributeNames: { '#status': 'status', '#part': 'part', ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])) },
      ExpressionAttributeValues: {
        ':to': to, ':one': 1, ...(part === undefined ? {} : { ':part': part }),
        ...(open ? { ':openPk': keys.misOpenRuns(trustId), ':openSk': keys.misOpenRunSort(new Date().toISOString(), runId) } : {}),
        ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])), ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])),
      },
    }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    return rethrowStoreError(error);
  }
}

/** Keeps what the first applying part of a run planned as unchanged (once), and the roster every later part reads. */
export async function keepPlanned(trustId: string, nodeId: string, runId: string, planned: { unchanged: number; skippedEdited: number }, rosterId: string): Promise<void> {
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(), Key: keys.misRun(trustId, nodeId, runId),
      UpdateExpression: 'SET planned = if_not_exists(planned, :planned), rosterId = :rosterId', ExpressionAttributeValues: { ':planned': planned, ':rosterId': rosterId },
    }));
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function getRun(trustId: string, runId: string): Promise<MisRun | undefined> {
  const ref = await getItem(keys.misRunRef(trustId, runId));
  if (!ref) return undefined;
  const item = await getItem(keys.misRun(trustId, String(ref.nodeId), runId));
  return item && toRun(item);
}

/** Run ids sort by the time they were made (`<UTC time>-<random>`), so a school's runs read newest first. */
export const newRunId = (now = new Date()) => `${now.toISOString().replace(/[-:.TZ]/g, '')}-${randomUUID().slice(0, 8)}`;

/** Query pages one list of runs reads at most (each ≤ 1 MB), and the bytes of runs it answers at most (Lambda answers ≤ 6 MB). */
export const RUN_LIST_MAX_PAGES = 8;
export const RUN_LIST_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A school's runs, newest first, `limit` of them from after the cursor (a run
 * id): Query pages are followed until the page is full, the partition ends,
 * RUN_LIST_MAX_BYTES of runs are read or RUN_LIST_MAX_PAGES pages; a run
 * item is up to ~200 KB, so one 1 MB page may hold only a few. `nextCursor`
 * whenever runs may be left.
 */
export async function listRuns(trustId: string, nodeId: string, page: { limit: number; cursor?: string }): Promise<{ items: MisRun[]; nextCursor: string | null }> {
  const after = decodeCursor(page.cursor, ['runId'])?.runId;
  if (after !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(after)) {
    throw new InvalidInputError('invalid_cursor', 'The cursor is not one this API gave out', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  const items: MisRun[] = [];
  let start: Record<string, unknown> | undefined = after === undefined ? undefined : { ...keys.misRun(trustId, nodeId, after) };
  let bytes = 0;
  // Stopped inside a page by the byte bound (the cursor is then the last run answered, not the page's end).
  let full = false;
  try {
    for (let pages = 0; pages < RUN_LIST_MAX_PAGES && items.length < page.limit && !full; pages++) {
      const result = await documentClient().send(new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': keys.misSchoolPartition(trustId, nodeId), ':run': 'RUN#' },
        ScanIndexForward: false,
        Limit: page.limit - items.length,
        ExclusiveStartKey: start,
      }));
      for (const item of result.Items ?? []) {
        const size = byteSize(item);
        if (items.length > 0 && bytes + size > RUN_LIST_MAX_BYTES) {
          full = true;
          break;
        }
        items.push(toRun(item));
        bytes += size;
      }
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
  } catch (error) {
    return rethrowStoreError(error);
  }
  const last = items.at(-1);
  return { items, nextCursor: (full || start !== undefined) && last ? encodeCursor({ runId: last.id }, ['runId']) : null };
}

/** One item, consistently read. */
export async function getItem(key: { pk: string; sk: string }) {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
    return Item;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

// ---- Roster uploads: the API's and the roster bucket's (issue 10) ----
