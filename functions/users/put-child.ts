import { ConflictError, ForbiddenError } from '../../domain/errors';
import type { ChildLink } from '../../domain/access/resolve';
import { userHandler } from '../http/user-handler';
import type { Caller } from '../http/caller';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { changePerson } from './person-change';
import { governingNode, requireSchool } from './school';
import { subjectParamsSchema } from './params.schema';
import { putChildBodySchema } from './user.schema';

/**
 * A link is keyed by pupil alone: moving one made at another school unlinks
 * the parent there, so it needs users.edit at that school too (at the trust
 * root once it is deleted); without it 409 `linked_elsewhere`.
 * mfa_required passes through.
 */
function assertMayMove(caller: Caller, current: ChildLink): void {
  try {
    authorize(caller, 'users.edit', governingNode(caller.context.tree, current.schoolId));
  } catch (error) {
    if (error instanceof ForbiddenError && error.code === 'forbidden') {
      throw new ConflictError('linked_elsewhere', 'This parent is linked to this pupil at another school; an administrator there can move or remove the link');
    }
    throw error;
  }
}

/** Links a parent to a pupil; a parent's permissions apply only to linked pupils. */
export const handler = userHandler({ params: subjectParamsSchema, body: putChildBodySchema }, async ({ caller, params, body }) => {
  // A parent's links decide which pupils they see: nobody links (or unlinks) themself.
  refuseSelfChange(caller, params.id, 'links to pupils');
  requireSchool(caller.context.tree, body.schoolId);
  authorize(caller, 'users.edit', body.schoolId);
  const link = { subjectId: params.subjectId, schoolId: body.schoolId };
  await changePerson(
    caller,
    params.id,
    ({ account, person }) => {
      if (account.userType !== 'parent') throw new ConflictError('not_a_parent', 'Only parent accounts are linked to pupils');
      const current = person.children.find((c) => c.subjectId === params.subjectId) ?? null;
      const moved = current !== null && current.schoolId !== body.schoolId;
      if (moved) assertMayMove(caller, current);
      return {
        // Written only over `current` (person-writes.ts): a link another school made meanwhile makes this plan run again.
        ops: [{ type: 'putChild', link, createdAt: nowIso(), replaces: current }],
        audit: moved
          ? [{ action: 'child.unlinked', nodeId: current.schoolId, before: current }, { action: 'child.linked', nodeId: body.schoolId, before: current, after: link }]
          : [{ action: 'child.linked', nodeId: body.schoolId, ...(current ? { before: current } : {}), after: link }],
        result: null,
      };
    },
    // Changed only on parents inside the caller's reach of users.edit, as memberships and roles are.
    ['users.edit'],
  );
  return json(200, link);
});
