import { checkMove } from '../../domain/access/delegation';
import { VersionConflictError } from '../../domain/errors';
import { gainedAncestors, getNode, planUpdateNode, requireNode } from '../../domain/org/tree';
import { listNodeAssignments } from '../adapters/dynamo/person-repository';
import { idParamsSchema } from '../shared/schemas';
import type { Caller } from '../http/caller';
import { userHandler } from '../http/user-handler';
import { entity, requireIfMatch } from '../http/responses';
import { authorize } from '../shared/authorize';
import type * as z from '../shared/zod';
import { updateNodeBodySchema } from './node.schema';
import { changeTree } from './tree-change';

/**
 * Renames, relabels and moves. A move is a grant (issue 7): it needs
 * org.manage at the node's current parent and at the destination, and
 * everyone holding a role at a node the move puts above it gains that role
 * over the subtree, so the caller must be able to hand out each such role at
 * the node (checkMove), else 403 `escalation`. Those holders are read
 * completely and the move is conditioned on them not changing meanwhile.
 */
export const handler = userHandler(
  { params: idParamsSchema, body: updateNodeBodySchema },
  async ({ caller, params, body, headers }) => entity(200, (await updateNode(caller, params.id, body, requireIfMatch(headers)))!),
);

/**
 * The change itself. Every rule is judged on the tree it lands on: after a
 * conflict the plan runs again with the caller judged on the new tree
 * (changeTree's third argument), never on the request's (review I, I6).
 */
export async function updateNode(requester: Caller, id: string, body: z.infer<typeof updateNodeBodySchema>, expectedVersion: number) {
  return changeTree(requester, 'node.updated', async (tree, { roles }, caller) => {
    const before = getNode(tree, id);
    const moving = body.parentId !== undefined && body.parentId !== before.parentId;
    authorize(caller, 'org.manage', moving && before.parentId !== null ? before.parentId : before.id);
    if (body.parentId) {
      requireNode(tree, body.parentId, 'parentId');
      authorize(caller, 'org.manage', body.parentId);
    }
    if (before.version !== expectedVersion) throw new VersionConflictError();
    const after = planUpdateNode(tree, id, body);
    if (!moving) return { write: { type: 'update', node: after, expectedVersion }, before, after, nodeId: after.id };
    const gained = gainedAncestors(tree, before.id, body.parentId!);
    const held = await Promise.all(gained.map((at) => listNodeAssignments(caller.trust.id, at)));
    checkMove({
      tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), nodeId: before.id,
      gained: held.flatMap((at) => at.assignments),
    });
    const seen = held.map((at, i) => ({ nodeId: gained[i]!, seen: at.seen }));
    return { write: { type: 'update', node: after, expectedVersion }, before, after, nodeId: after.id, seen };
  });
}
