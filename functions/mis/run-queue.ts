import { createRun, newRunId, type MisRun } from '../adapters/dynamo/mis-sync-repository';
import { enqueue } from '../adapters/sqs/job-queue';
import { nowIso } from '../shared/ids';

/**
 * A new queued run of a school (the route, and the nightly job for each
 * enabled school). It acts for `requestedBy`, or with `forUploader` for
 * whoever uploaded the roster it reads (run-worker.ts `actorOf`).
 */
export async function queueRun(trustId: string, nodeId: string, requestedBy: string, dryRun: boolean, forUploader = false): Promise<string> {
  const run: MisRun = {
    id: newRunId(), nodeId, status: 'queued', dryRun, requestedBy, startedAt: nowIso(), finishedAt: null, rosterId: null,
    created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, skippedEdited: 0, errors: [], errorsOmitted: 0,
    ...(forUploader ? { forUploader: true } : {}),
  };
  await createRun(trustId, run);
  await enqueue('mis-runs', { trustId, nodeId, runId: run.id });
  return run.id;
}
