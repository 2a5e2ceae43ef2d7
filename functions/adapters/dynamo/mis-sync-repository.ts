import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditPut } from './audit-repository';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { documentClient, queryAll, tableName } from './client';
import { rethrowStoreError } from './errors';
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
}

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
  const item = await get(keys.misRoster(trustId, nodeId));
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
  /** Errors beyond the first MAX_RUN_ERRORS are counted here, not listed (an item stays under 400 KB). */
  errorsOmitted: number;
  approvedBy?: string;
  /** Queued for the roster's uploader (the nightly job): the run acts for whoever uploaded the roster it reads. */
  forUploader?: boolean;
  /** Whom the run acted for (besides the settings' saver, who bounds every run): the starter, approver or uploader; the saver alone when none. */
  actsFor?: string;
}

export const MAX_RUN_ERRORS = 500;

const RUN_FIELDS = [
  'id', 'nodeId', 'status', 'dryRun', 'requestedBy', 'startedAt', 'finishedAt', 'rosterId', 'created', 'updated', 'deactivated',
  'reactivated', 'unchanged', 'skippedEdited', 'errors', 'errorsOmitted', 'approvedBy', 'forUploader', 'actsFor',
] as const;

const toRun = (item: Record<string, unknown>) => Object.fromEntries(RUN_FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as MisRun;

/** A new run and its id → school pointer. */
export async function createRun(trustId: string, run: MisRun): Promise<void> {
  try {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...keys.misRunRef(trustId, run.id), entity: 'mis-run-ref', trustId, nodeId: run.nodeId } }));
    await saveRun(trustId, run);
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function saveRun(trustId: string, run: MisRun, audit?: AuditRecord): Promise<void> {
  try {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...keys.misRun(trustId, run.nodeId, run.id), entity: 'mis-run', trustId, ...run } }));
    if (audit) await documentClient().send(new PutCommand(auditPut(trustId, audit).Put));
  } catch (error) {
    rethrowStoreError(error);
  }
}

/** Moves a run from one status to another; false when it was not in `from` (another delivery or approval took it). */
export async function claimRun(trustId: string, nodeId: string, runId: string, from: RunStatus[], to: RunStatus, fields: Record<string, unknown> = {}): Promise<boolean> {
  const names = Object.keys(fields);
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(),
      Key: keys.misRun(trustId, nodeId, runId),
      UpdateExpression: `SET #status = :to${names.map((n, i) => `, #f${i} = :f${i}`).join('')}`,
      ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])) },
      ExpressionAttributeValues: { ':to': to, ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])), ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])) },
    }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    return rethrowStoreError(error);
  }
}

export async function getRun(trustId: string, runId: string): Promise<MisRun | undefined> {
  const ref = await get(keys.misRunRef(trustId, runId));
  if (!ref) return undefined;
  const item = await get(keys.misRun(trustId, String(ref.nodeId), runId));
  return item && toRun(item);
}

/** Run ids sort by the time they were made (`<UTC time>-<random>`), so a school's runs read newest first. */
export const newRunId = (now = new Date()) => `${now.toISOString().replace(/[-:.TZ]/g, '')}-${randomUUID().slice(0, 8)}`;

// A school's latest runs, newest first: one Query page
export async function listRuns(trustId: string, nodeId: string, limit: number): Promise<MisRun[]> {
  try {
    const { Items = [] } = await documentClient().send(new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': keys.misSchoolPartition(trustId, nodeId), ':run': 'RUN#' },
      ScanIndexForward: false,
      Limit: limit,
    }));
    return Items.map(toRun);
  } catch (error) {
    return rethrowStoreError(error);
  }
}

async function get(key: { pk: string; sk: string }) {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
    return Item;
  } catch (error) {
    return rethrowStoreError(error);
  }
}
