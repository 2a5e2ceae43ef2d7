import { getNode } from '../../domain/org/tree';
import { listRuns } from '../adapters/dynamo/mis-sync-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { runView } from './run-view';

/** GET /nodes/{id}/mis/runs: the school's latest 50 runs, newest first (users.view at the school). */
export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'users.view', node.id);
  return json(200, { items: (await listRuns(caller.trust.id, node.id, 50)).map(runView) });
});
