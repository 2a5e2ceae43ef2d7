import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorizeOrHide } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { changePerson } from './person-change';
import { governingNode } from './school';
import { subjectParamsSchema } from './params.schema';

/** Unlinks a parent: users.edit at the link's school (at the trust root once that school is deleted). */
export const handler = userHandler({ params: subjectParamsSchema }, async ({ caller, params }) => {
  // A parent's links decide which pupils they see: nobody links (or unlinks) themself.
  refuseSelfChange(caller, params.id, 'links to pupils');
  await changePerson(
    caller,
    params.id,
    ({ person }) => {
      const link = person.children.find((c) => c.subjectId === params.subjectId);
      if (!link) throw new NotFoundError('Child link');
      authorizeOrHide(caller, 'users.edit', governingNode(caller.context.tree, link.schoolId), 'Child link');
      return {
        ops: [{ type: 'deleteChild', subjectId: params.subjectId, schoolId: link.schoolId }],
        audit: [{ action: 'child.unlinked', nodeId: link.schoolId, before: link }],
        result: null,
      };
    },
    ['users.edit'],
  );
  return noContent();
});
