import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { ROSTER_RETENTION_DAYS } from '../../../domain/mis/roster-key';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { cancellationCodes, isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';
import { getItem, runItem, type MisRun } from './mis-sync-repository';
import type { TransactItem } from './transaction';

/**
 * Roster uploads: one per zip, whether sent to the API or dropped in the
 * roster bucket (its S3 sequencer), recorded before the object is stored or
 * in the drop's transaction with the run it queues.
 */

/** Who drops files in the roster bucket: recorded as the upload's actor (the S3 principal is in the audit record); not a person. */
export const ROSTER_BUCKET_ACTOR = 'roster-bucket';

export interface RosterUpload {
  rosterId: string;
  /** `api`: PUT /nodes/{id}/mis/roster; `bucket`: a file dropped under the school's prefix of the roster bucket. */
  source: 'api' | 'bucket';
  uploadedBy: string;
  uploadedAt: string;
  bytes: number;
  /** The S3 event's sequencer, zero-padded so that later writes of the same key sort after earlier ones. */
  sequencer?: string;
  /** The run the drop queued (null: the school has no enabled settings, nothing was queued). */
  runId?: string | null;
}

function uploadPut(trustId: string, nodeId: string, upload: RosterUpload) {
  const expiresAt = Math.floor(Date.parse(upload.uploadedAt) / 1000) + (ROSTER_RETENTION_DAYS + 1) * 86_400;
  return { TableName: tableName(), Item: { ...keys.misRosterUpload(trustId, nodeId, upload.rosterId), entity: 'mis-roster-upload', trustId, nodeId, ...upload, expiresAt } };
}

/**
 * The API's upload is recorded before its object is stored, so that the
 * bucket's object-created event for it finds the record and queues nothing.
 */
export async function recordApiUpload(trustId: string, nodeId: string, upload: RosterUpload): Promise<void> {
  try {
    await documentClient().send(new PutCommand({ ...uploadPut(trustId, nodeId, upload), ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    rethrowStoreError(error);
  }
}

export async function getRosterUpload(trustId: string, nodeId: string, rosterId: string): Promise<RosterUpload | undefined> {
  const item = await getItem(keys.misRosterUpload(trustId, nodeId, rosterId));
  if (!item) return undefined;
  return {
    rosterId: String(item.rosterId), source: item.source === 'bucket' ? 'bucket' : 'api', uploadedBy: String(item.uploadedBy), uploadedAt: String(item.uploadedAt),
    bytes: Number(item.bytes), ...(typeof item.sequencer === 'string' ? { sequencer: item.sequencer } : {}),
    ...(item.runId !== undefined ? { runId: (item.runId as string | null) } : {}),
  };
}

export type DropOutcome =
  /** First time this object: recorded, audited, its run (if any) created. */
  | { outcome: 'recorded'; runId: string | null }
  /** The same object's event again (S3 delivers at least once): what the first delivery recorded. */
  | { outcome: 'duplicate'; runId: string | null }
  /** The object the API stored itself (PUT /nodes/{id}/mis/roster): already recorded and audited there. */
  | { outcome: 'api' }
  /** An older write of a key whose newer write is already recorded. */
  | { outcome: 'stale' };

/**
 * A dropped roster in one transaction: its upload record (conditional: new,
 * or a later write of the same key of the bucket's), its audit record, its
 * queued run, and the school's latest roster when it is newer than the one
 * there. The caller sends the run's message afterwards; a redelivery finds the
 * record (`duplicate`) with the run id and sends it again, which the worker's
 * claim makes harmless.
 */
export async function recordDrop(trustId: string, nodeId: string, upload: RosterUpload & { sequencer: string }, run: MisRun | undefined, audit: AuditRecord): Promise<DropOutcome> {
  const items = (withLatest: boolean): TransactItem[] => [
    {
      Put: {
        ...uploadPut(trustId, nodeId, upload),
        ConditionExpression: 'attribute_not_exists(pk) OR (#source = :bucket AND #sequencer < :sequencer)',
        ExpressionAttributeNames: { '#source': 'source', '#sequencer': 'sequencer' },
        ExpressionAttributeValues: { ':bucket': 'bucket', ':sequencer': upload.sequencer },
      },
    },
    auditPut(trustId, audit),
    ...(run ? [
      { Put: { TableName: tableName(), Item: { ...keys.misRunRef(trustId, run.id), entity: 'mis-run-ref', trustId, nodeId: run.nodeId } } },
      { Put: { TableName: tableName(), Item: runItem(trustId, run, run.startedAt) } },
    ] : []),
    ...(withLatest ? [{
      Put: {
        TableName: tableName(),
        Item: { ...keys.misRoster(trustId, nodeId), entity: 'mis-roster', trustId, nodeId, rosterId: upload.rosterId, uploadedBy: upload.uploadedBy, uploadedAt: upload.uploadedAt, bytes: upload.bytes },
        ConditionExpression: 'attribute_not_exists(pk) OR uploadedAt <= :at',
        ExpressionAttributeValues: { ':at': upload.uploadedAt },
      },
    }] : []),
  ];
  for (const withLatest of [true, false]) {
    const transactItems = items(withLatest);
    try {
      await documentClient().send(new TransactWriteCommand({ TransactItems: transactItems as never }));
      return { outcome: 'recorded', runId: run?.id ?? null };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        const existing = await getRosterUpload(trustId, nodeId, upload.rosterId);
        if (!existing || existing.source === 'api') return { outcome: 'api' };
        if (existing.sequencer === upload.sequencer) return { outcome: 'duplicate', runId: existing.runId ?? null };
        return { outcome: 'stale' };
      }
      // The school's latest roster is a newer one (events arrive in any order): record this one without making it the latest.
      if (withLatest && codes?.[transactItems.length - 1] === 'ConditionalCheckFailed') continue;
      rethrowStoreError(error);
    }
  }
  throw new Error('unreachable');
}
