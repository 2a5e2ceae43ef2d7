import { getNode } from '../../domain/org/tree';
import { listRuns } from '../adapters/dynamo/mis-sync-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { runListQuerySchema } from './mis.schema';
import { runView } from './run-view';

/**
 * GET /nodes/{id}/mis/runs?limit=&cursor=: the school's runs, newest first
 * (users.view at the school), `limit` (default 50) of them unless the page
 * reaches 4 MB of runs first; `nextCursor` goes on.
 */
export const handler = userHandler({ params: idParamsSchema, query: runListQuerySchema }, async ({ caller, params, query }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'users.view', node.id);
  const page = await listRuns(caller.trust.id, node.id, query);
  return json(200, { items: page.items.map(runView), nextCursor: page.nextCursor });
});
