import { getNode, planDeleteNode } from '../../domain/org/tree';
import { idParamsSchema } from '../shared/schemas';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { changeTree } from './tree-change';

export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  await changeTree(caller, 'node.deleted', (tree) => {
    const node = getNode(tree, params.id);
    authorize(caller, 'org.manage', node.parentId ?? node.id);
    const deleted = planDeleteNode(tree, params.id);
    return { write: { type: 'delete', node: deleted }, before: deleted, after: null, nodeId: deleted.parentId ?? deleted.id };
  });
  return noContent();
});
