import { NotFoundError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { createRun, newRunId, type MisRun } from '../adapters/dynamo/mis-sync-repository';
import { enqueue } from '../adapters/sqs/job-queue';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { nowIso } from '../shared/ids';
import { idParamsSchema } from '../shared/schemas';
import { startRunBodySchema } from './mis.schema';

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

/** POST /nodes/{id}/mis/runs: the school's sync now (org.manage at the school), or a dry run that writes nothing but the run. */
export const handler = userHandler({ params: idParamsSchema, body: startRunBodySchema }, async ({ caller, params, body }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'org.manage', node.id);
  if (!(await getMisSettings(caller.trust.id, node.id))) throw new NotFoundError('MIS settings');
  return json(202, { runId: await queueRun(caller.trust.id, node.id, caller.account.id, body.dryRun) });
});
