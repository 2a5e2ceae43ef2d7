import { ConflictError } from '../../domain/errors';
import { getNode, planDeleteNode } from '../../domain/org/tree';
import { integrationsBoundTo } from '../adapters/dynamo/integration-repository';
import { idParamsSchema } from '../shared/schemas';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { changeTree } from './tree-change';

/**
 * Deletes an empty node (org.manage at its parent). A node an integration
 * client is bound to is not empty either: deleting it would cut the app off
 * with no word to the trust admin who set it up (review E, E7b); delete or
 * rebind the client first. (A client made at the very same instant as the
 * delete can slip past this read; it then reaches nothing, as before.)
 */
export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  // Who may delete it is asked first: the clients' names are not for anyone else.
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'org.manage', node.parentId ?? node.id);
  const clients = await integrationsBoundTo(caller.trust.id, node.id);
  if (clients.length > 0) {
    throw new ConflictError('node_in_use', `Integration clients are bound to this node (${clients.join(', ')}): delete them first`);
  }
  await changeTree(caller, 'node.deleted', (tree) => {
    const node = getNode(tree, params.id);
    authorize(caller, 'org.manage', node.parentId ?? node.id);
    const deleted = planDeleteNode(tree, params.id);
    return { write: { type: 'delete', node: deleted }, before: deleted, after: null, nodeId: deleted.parentId ?? deleted.id };
  });
  return noContent();
});
