import { ConflictError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { nowIso } from '../shared/ids';
import { changePerson } from './person-change';
import { requireSchool } from './school';
import { putChildBodySchema, subjectParamsSchema } from './user.schema';

/** Links a parent to a pupil; a parent's permissions apply only to linked pupils. */
export const handler = httpHandler({ auth: 'user', params: subjectParamsSchema, body: putChildBodySchema }, async ({ caller, params, body }) => {
  // A parent's links decide which pupils they see: nobody links (or unlinks) themself.
  refuseSelfChange(caller, params.id, 'links to pupils');
  requireSchool(caller.context.tree, body.schoolId);
  authorize(caller, 'users.edit', body.schoolId);
  const link = { subjectId: params.subjectId, schoolId: body.schoolId };
  await changePerson(caller, params.id, ({ account }) => {
    if (account.userType !== 'parent') throw new ConflictError('not_a_parent', 'Only parent accounts are linked to pupils');
    return { ops: [{ type: 'putChild', link, createdAt: nowIso() }], audit: [{ action: 'child.linked', nodeId: body.schoolId, after: link }], result: null };
  });
  return json(200, link);
});
