import { NotFoundError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { entity } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';

/** A school's roster sync settings (org.manage at the school); 404 until they are first saved. */
export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'org.manage', node.id);
  const settings = await getMisSettings(caller.trust.id, node.id);
  if (!settings) throw new NotFoundError('MIS settings');
  return entity(200, settings);
});
