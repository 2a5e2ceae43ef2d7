import type { S3EventRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { auditRecord } from '../../domain/audit/audit-record';
import { parseRosterKey } from '../../domain/mis/roster-key';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { newRunId, type MisRun } from '../adapters/dynamo/mis-sync-repository';
import { recordDrop, ROSTER_BUCKET_ACTOR } from '../adapters/dynamo/roster-uploads';
import { getTrust, loadTree } from '../adapters/dynamo/trust-repository';
import { enqueue } from '../adapters/sqs/job-queue';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';

/**
 * The roster bucket's object-created events (prefix `mis/`, suffix `.zip`),
 * from the `mis-rosters` queue S3 sends them to: a zip dropped at
 * `mis/<trustId>/<nodeId>/<rosterId>.zip` becomes the school's latest roster,
 * is recorded and audited as an upload, and queues the school's run on
 * `mis-runs` — the run `POST /nodes/{id}/mis/runs` makes, acting (as the
 * nightly run does) with the rights of whoever saved the school's settings.
 *
 * - a key that does not parse, a trust or node that does not exist, a node
 *   that is not a school: logged and dropped (nothing to record it against;
 *   the object expires with the bucket's lifecycle);
 * - a school without settings, or with `enabled: false`: recorded and audited
 *   as its latest roster (the next run asked for takes it), no run queued;
 * - an object over MAX_DROPPED_ROSTER_BYTES: recorded, and its run recorded as
 *   failed (`roster_too_large`) so the school's history says why;
 * - the API's own upload (PUT /nodes/{id}/mis/roster records it before storing
 *   the object): nothing, the route recorded and audited it and queues no run;
 * - the same event again (S3 delivers at least once) finds its record and
 *   sends the same run id again, which the worker claims once;
 * - the same key written again later (a connector that always writes
 *   `roster.zip`) is a new drop (a later S3 sequencer); an older write arriving
 *   after a newer one is ignored.
 *
 * Runs with no grant on the bucket: it never reads the object.
 */
export const MAX_DROPPED_ROSTER_BYTES = 50 * 1024 * 1024;

export { ROSTER_BUCKET_ACTOR };

export interface DroppedObject {
  /** The object key, decoded (S3 events carry it URL-encoded, spaces as `+`). */
  key: string;
  size: number;
  /** S3's ordering of writes to one key: hexadecimal, compared zero-padded. */
  sequencer: string;
  eventTime: string;
  /** The AWS principal that wrote the object. */
  principal: string;
}

export type DropResult = 'queued' | 'kept' | 'failed' | 'duplicate' | 'api' | 'stale' | 'ignored';

/** The objects an S3 event notification (an SQS message body) reports created; S3's `s3:TestEvent` has none. */
export function droppedObjects(body: string): DroppedObject[] {
  const parsed = JSON.parse(body) as { Records?: S3EventRecord[] };
  return (parsed.Records ?? [])
    .filter((r) => r.eventSource === 'aws:s3' && r.eventName.startsWith('ObjectCreated:'))
    .map((r) => ({
      key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
      size: r.s3.object.size ?? 0,
      sequencer: (r.s3.object.sequencer ?? '').padStart(32, '0'),
      eventTime: new Date(r.eventTime).toISOString(),
      principal: r.userIdentity?.principalId ?? 'unknown',
    }));
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      for (const object of droppedObjects(record.body)) await rosterDropped(object);
    } catch (error) {
      logger.error('a dropped roster could not be recorded', { error, messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

export async function rosterDropped(object: DroppedObject): Promise<DropResult> {
  const parsed = parseRosterKey(object.key);
  if (!parsed) {
    logger.warn('a file in the roster bucket is not at mis/<trustId>/<nodeId>/<rosterId>.zip; ignored', { key: object.key });
    return 'ignored';
  }
  const { trustId, nodeId, rosterId } = parsed;
  const trust = await getTrust(trustId);
  const node = trust && (await loadTree(trust)).nodes.get(nodeId);
  if (!node || node.kind !== 'school') {
    logger.warn('a roster was dropped for a trust or school that does not exist; ignored', { key: object.key });
    return 'ignored';
  }
  const settings = await getMisSettings(trustId, nodeId);
  const tooLarge = object.size > MAX_DROPPED_ROSTER_BYTES;
  const now = nowIso();
  const run: MisRun | undefined = settings?.enabled ? {
    id: newRunId(), nodeId, status: tooLarge ? 'failed' : 'queued', dryRun: false, requestedBy: settings.updatedBy, startedAt: now,
    finishedAt: tooLarge ? now : null, rosterId, created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, skippedEdited: 0,
    errors: tooLarge ? [{ sourcedId: null, line: null, code: 'roster_too_large', message: `The dropped roster is over ${MAX_DROPPED_ROSTER_BYTES / 1024 / 1024} MB` }] : [],
    errorsOmitted: 0,
  } : undefined;
  const audit = auditRecord({
    id: newId(), at: now, actorId: ROSTER_BUCKET_ACTOR, action: 'mis.roster_uploaded', targetType: 'node', targetId: nodeId, nodeId,
    after: { rosterId, bytes: object.size, via: 'roster-bucket', principal: object.principal, runId: run?.id ?? null },
  });
  const recorded = await recordDrop(trustId, nodeId, {
    rosterId, source: 'bucket', uploadedBy: ROSTER_BUCKET_ACTOR, uploadedAt: object.eventTime, bytes: object.size, sequencer: object.sequencer, runId: run?.id ?? null,
  }, run, audit);
  if (recorded.outcome === 'api' || recorded.outcome === 'stale') return recorded.outcome;
  // Sent again on a duplicate: the first delivery may have stopped between recording and sending; the worker claims a run once.
  if (recorded.runId && !tooLarge) await enqueue('mis-runs', { trustId, nodeId, runId: recorded.runId });
  if (recorded.outcome === 'duplicate') return 'duplicate';
  if (!run) return 'kept';
  return tooLarge ? 'failed' : 'queued';
}
