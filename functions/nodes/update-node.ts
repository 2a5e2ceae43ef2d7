import { VersionConflictError } from '../../domain/errors';
import { getNode, planUpdateNode, requireNode } from '../../domain/org/tree';
import { idParamsSchema } from '../shared/schemas';
import { httpHandler } from '../http/handler';
import { entity, requireIfMatch } from '../http/responses';
import { authorize } from '../shared/authorize';
import { updateNodeBodySchema } from './node.schema';
import { changeTree } from './tree-change';

export const handler = httpHandler(
  { auth: 'user', params: idParamsSchema, body: updateNodeBodySchema },
  async ({ caller, params, body, headers }) => {
    const expectedVersion = requireIfMatch(headers);
    const node = await changeTree(caller, 'node.updated', (tree) => {
      const before = getNode(tree, params.id);
      authorize(caller, 'org.manage', before.id);
      if (body.parentId) {
        requireNode(tree, body.parentId, 'parentId');
        authorize(caller, 'org.manage', body.parentId);
      }
      if (before.version !== expectedVersion) throw new VersionConflictError();
      const after = planUpdateNode(tree, params.id, body);
      return { write: { type: 'update', node: after, expectedVersion }, before, after, nodeId: after.id };
    });
    return entity(200, node!);
  },
);
