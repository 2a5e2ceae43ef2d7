import { auditRecord } from '../../domain/audit/audit-record';
import { failUnmovedRun, getOpenRun, listUnmovedRuns } from '../adapters/dynamo/mis-open-runs';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';
import { STUCK_RUN_AFTER_MS } from './run-limits';
import { outboxItems } from '../shared/account-security';
import { givenUp, runEvent, runSummary } from './run-outcome';

/** Open runs read per Query page (each found one then costs a GetItem and a two-item transaction). */
const PAGE = 50;

/**
 * The hourly mis-sync job's safety net (review D, D9): fails every run of a
 * trust that has stayed queued, approved or running for STUCK_RUN_AFTER_MS
 * without moving, as the worker's last delivery does when it throws
 * (`failed`, one `run_error` row, audited `mis.run_failed`, announced). A
 * delivery that times out (or is killed) runs no catch, and a run whose
 * message was never sent waits for nothing. Found through the open-runs keys
 * on gsi1 (only unfinished runs carry them, by when they last moved), so it
 * reads the stuck runs alone. Each is read again (consistent) and failed on
 * the condition that it has not moved since (same status, same move), so a
 * run a delivery claims meanwhile is left alone, and two overlapping jobs
 * fail it once. Re-runnable: a failed run carries no open-runs key. Returns
 * how many it failed.
 */
export async function failStuckRuns(trustId: string, now: Date): Promise<number> {
  const before = new Date(now.getTime() - STUCK_RUN_AFTER_MS).toISOString();
  let failed = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await listUnmovedRuns(trustId, before, PAGE, start);
    for (const found of page.runs) {
      if (await failIfUnmoved(trustId, found.nodeId, found.runId, before)) failed += 1;
    }
    start = page.next;
  } while (start);
  return failed;
}

async function failIfUnmoved(trustId: string, nodeId: string, runId: string, before: string): Promise<boolean> {
  const current = await getOpenRun(trustId, nodeId, runId);
  // Finished, or moved since the index was read (it is eventually consistent): nothing to do.
  if (!current || current.moved >= before) return false;
  const { run, moved } = current;
  const failed = givenUp(run, `The run stopped moving: nothing happened to it for ${STUCK_RUN_AFTER_MS / 3_600_000} hours (its last attempt ended without finishing, e.g. out of time, or it was never picked up); nothing more is tried`);
  const audit = auditRecord({
    id: newId(), at: nowIso(), actorId: run.actsFor ?? run.approvedBy ?? run.requestedBy, action: 'mis.run_failed',
    targetType: 'node', targetId: run.nodeId, nodeId: run.nodeId, after: runSummary(failed),
  });
  // Announced from the same transaction (the outbox): the notify sweep raises it.
  if (!(await failUnmovedRun(trustId, failed, { status: run.status, moved }, audit, outboxItems(trustId, [runEvent(failed)])))) return false;
  logger.warn('an MIS run that stopped moving was failed', { trustId, runId, status: run.status, moved });
  return true;
}
