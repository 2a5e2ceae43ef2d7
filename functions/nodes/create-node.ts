import { planCreateNode, requireNode } from '../../domain/org/tree';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId } from '../shared/ids';
import { createNodeBodySchema } from './node.schema';
import { changeTree } from './tree-change';

export const handler = userHandler({ body: createNodeBodySchema }, async ({ caller, body }) => {
  const id = newId();
  const node = await changeTree(caller, 'node.created', (tree) => {
    requireNode(tree, body.parentId, 'parentId');
    authorize(caller, 'org.manage', body.parentId);
    const created = planCreateNode(tree, body, id);
    return { write: { type: 'put', node: created }, before: null, after: created, nodeId: created.id };
  });
  return entity(201, node!);
});
