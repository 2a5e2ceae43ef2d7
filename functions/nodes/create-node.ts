import { planCreateNode, requireNode } from '../../domain/org/tree';
import type { Caller } from '../http/caller';
import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { authorize } from '../shared/authorize';
import { newId } from '../shared/ids';
import type * as z from '../shared/zod';
import { createNodeBodySchema } from './node.schema';
import { changeTree } from './tree-change';

export const handler = userHandler({ body: createNodeBodySchema }, async ({ caller, body }) => entity(201, (await createNode(caller, body))!));

/** The change itself, judged on the tree the node lands in (a plan made again after a conflict judges the caller on the new tree: review I, I6). */
export async function createNode(requester: Caller, body: z.infer<typeof createNodeBodySchema>) {
  const id = newId();
  return changeTree(requester, 'node.created', (tree, _context, caller) => {
    requireNode(tree, body.parentId, 'parentId');
    authorize(caller, 'org.manage', body.parentId);
    const created = planCreateNode(tree, body, id);
    return { write: { type: 'put', node: created }, before: null, after: created, nodeId: created.id };
  });
}
