import { ConflictError, ForbiddenError } from '../../domain/errors';
import type { Block } from '../../domain/access/resolve';
import { userHandler } from '../http/user-handler';
import type { Caller } from '../http/caller';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { changePerson } from './person-change';
import { governingNode, requireSchool } from './school';
import { subjectParamsSchema } from './params.schema';
import { putBlockBodySchema } from './user.schema';

/**
 * A block is keyed by pupil alone: one already set by another school (or by a
 * school since deleted: the trust root governs it) is that school's. Replacing
 * it needs safeguarding.blocks.manage there too; without it 409
 * `blocked_elsewhere` (the person is already blocked from the pupil, so
 * nothing the caller wants is missing). mfa_required passes through.
 */
function assertMayReplace(caller: Caller, current: Block): void {
  try {
    authorize(caller, 'safeguarding.blocks.manage', governingNode(caller.context.tree, current.schoolId));
  } catch (error) {
    if (error instanceof ForbiddenError && error.code === 'forbidden') {
      throw new ConflictError('blocked_elsewhere', 'Another school has already blocked this person from this pupil; a manager of blocks there can change or lift it');
    }
    throw error;
  }
}

/** Blocks a person from one pupil's record: every check about that pupil then answers no for them. */
export const handler = userHandler({ params: subjectParamsSchema, body: putBlockBodySchema }, async ({ caller, params, body }) => {
  refuseSelfChange(caller, params.id, 'safeguarding blocks');
  requireSchool(caller.context.tree, body.schoolId);
  authorize(caller, 'safeguarding.blocks.manage', body.schoolId);
  const block = { subjectId: params.subjectId, schoolId: body.schoolId, ...(body.reason ? { reason: body.reason } : {}) };
  await changePerson(
    caller,
    params.id,
    ({ person }) => {
      const current = person.blocks.find((b) => b.subjectId === params.subjectId) ?? null;
      const moved = current !== null && current.schoolId !== body.schoolId;
      if (moved) assertMayReplace(caller, current);
      return {
        // Written only over `current` (person-writes.ts): a block another school set meanwhile makes this plan run again, and refuse.
        ops: [{ type: 'putBlock', block, createdAt: nowIso(), replaces: current }],
        // A block taken over from another school: its removal is filed there, and the reason it had stays out of this school's record.
        audit: moved
          ? [
              { action: 'block.removed', nodeId: current.schoolId, before: current },
              { action: 'block.set', nodeId: body.schoolId, before: { subjectId: current.subjectId, schoolId: current.schoolId }, after: block },
            ]
          : [{ action: 'block.set', nodeId: body.schoolId, before: current, after: block }],
        result: null,
      };
    },
    ['users.view', 'safeguarding.blocks.manage'],
  );
  return json(200, block);
});
