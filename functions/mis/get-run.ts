import { NotFoundError } from '../../domain/errors';
import { getRun } from '../adapters/dynamo/mis-sync-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { runIdParamsSchema } from './mis.schema';
import { runView } from './run-view';

/** GET /mis/runs/{runId} (users.view at the run's school; 404 otherwise, so run ids of other schools tell nothing). */
export const handler = userHandler({ params: runIdParamsSchema }, async ({ caller, params }) => {
  const run = await getRun(caller.trust.id, params.runId);
  if (!run) throw new NotFoundError('MIS run');
  try {
    authorize(caller, 'users.view', run.nodeId);
  } catch {
    throw new NotFoundError('MIS run');
  }
  return json(200, runView(run));
});
