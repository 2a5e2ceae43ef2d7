import { NotFoundError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';
import { startRunBodySchema } from './mis.schema';
import { queueRun } from './run-queue';

/** POST /nodes/{id}/mis/runs: the school's sync now (org.manage at the school), or a dry run that writes nothing but the run. */
export const handler = userHandler({ params: idParamsSchema, body: startRunBodySchema }, async ({ caller, params, body }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'org.manage', node.id);
  if (!(await getMisSettings(caller.trust.id, node.id))) throw new NotFoundError('MIS settings');
  return json(202, { runId: await queueRun(caller.trust.id, node.id, caller.account.id, body.dryRun) });
});
