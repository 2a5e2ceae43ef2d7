import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { cancellationCodes, rethrowStoreError } from './errors';
import { keys } from './keys';
import { getItem, isOpen, runItem, toRun, type MisRun, type RunStatus } from './mis-sync-repository';
import type { TransactItem } from './transaction';

// Runs that stopped moving (review D, D9): found through the sparse open-runs keys every unfinished run carries on gsi1
// (mis-sync-repository.ts runItem), read again and failed by the hourly mis-sync job (functions/mis/stuck-runs.ts).

/** An unfinished run as the open-runs index last saw it move: `movedAt#runId` (the job's write is conditioned on it). */
export interface UnmovedRun {
  nodeId: string;
  runId: string;
  moved: string;
}

/**
 * A trust's runs still queued, approved or running that have not moved since
 * `before` (an ISO time), oldest first, a page (≤ `limit`) at a time: gsi1's
 * sparse open-runs keys, so it costs the runs found, never the trust's other
 * runs. Eventually consistent: failUnmovedRun checks each against the table.
 */
export async function listUnmovedRuns(trustId: string, before: string, limit: number, start?: Record<string, unknown>): Promise<{ runs: UnmovedRun[]; next?: Record<string, unknown> }> {
  try {
    const page = await documentClient().send(new QueryCommand({
      TableName: tableName(), IndexName: 'gsi1', Limit: limit, ExclusiveStartKey: start,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
      ExpressionAttributeValues: { ':pk': keys.misOpenRuns(trustId), ':before': before },
      ProjectionExpression: 'nodeId, #id, gsi1sk', ExpressionAttributeNames: { '#id': 'id' },
    }));
    const runs = (page.Items ?? []).map((item) => ({ nodeId: String(item.nodeId), runId: String(item.id), moved: String(item.gsi1sk) }));
    return { runs, ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** A run as the table holds it now (consistent), with when it last moved; undefined when it is gone or finished. */
export async function getOpenRun(trustId: string, nodeId: string, runId: string): Promise<{ run: MisRun; moved: string } | undefined> {
  const item = await getItem(keys.misRun(trustId, nodeId, runId));
  if (!item || typeof item.gsi1sk !== 'string' || !isOpen(item.status as RunStatus)) return undefined;
  return { run: toRun(item), moved: item.gsi1sk };
}

/**
 * Stores `failed` (a finished run: no open-runs keys) with its audit record in
 * one transaction, on the condition that the run is still as `seen` (its
 * status, and its open-runs key, which every move rewrites): false when it
 * moved meanwhile (a delivery claimed it, it finished, another job failed it).
 */
export async function failUnmovedRun(trustId: string, failed: MisRun, seen: { status: RunStatus; moved: string }, audit: AuditRecord, extra: readonly TransactItem[] = []): Promise<boolean> {
  try {
    await documentClient().send(new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(), Item: runItem(trustId, failed),
            ConditionExpression: '#status = :status AND gsi1sk = :moved',
            ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':status': seen.status, ':moved': seen.moved },
          },
        },
        auditPut(trustId, audit),
        ...extra,
      ],
    }));
    return true;
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
    return rethrowStoreError(error);
  }
}
