import { ConflictError } from '../../domain/errors';
import { getNode, planDeleteNode } from '../../domain/org/tree';
import { integrationsBoundTo } from '../adapters/dynamo/integration-repository';
import { idParamsSchema } from '../shared/schemas';
import type { Caller } from '../http/caller';
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
  await deleteNode(caller, params.id);
  return noContent();
});

/**
 * The delete itself. A delete is not version-checked, so who may make it is
 * judged again on the tree it lands on: after a conflict (a move of the node
 * out of the caller's cluster meanwhile) the plan runs with the caller judged
 * on the new tree (review I, I6).
 */
export async function deleteNode(requester: Caller, id: string): Promise<void> {
  // Who may delete it is asked first: the clients' names are not for anyone else.
  const node = getNode(requester.context.tree, id);
  authorize(requester, 'org.manage', node.parentId ?? node.id);
  const clients = await integrationsBoundTo(requester.trust.id, node.id);
  if (clients.length > 0) {
    throw new ConflictError('node_in_use', `Integration clients are bound to this node (${clients.join(', ')}): delete them first`);
  }
  await changeTree(requester, 'node.deleted', (tree, _context, caller) => {
    const node = getNode(tree, id);
    authorize(caller, 'org.manage', node.parentId ?? node.id);
    const deleted = planDeleteNode(tree, id);
    return { write: { type: 'delete', node: deleted }, before: deleted, after: null, nodeId: deleted.parentId ?? deleted.id };
  });
}
