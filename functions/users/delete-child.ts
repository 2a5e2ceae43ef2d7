import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { changePerson } from './person-change';
import { subjectParamsSchema } from './user.schema';

export const handler = userHandler({ params: subjectParamsSchema }, async ({ caller, params }) => {
  await changePerson(caller, params.id, ({ person }) => {
    const link = person.children.find((c) => c.subjectId === params.subjectId);
    if (!link) throw new NotFoundError('Child link');
    authorize(caller, 'users.edit', link.schoolId);
    return { ops: [{ type: 'deleteChild', subjectId: params.subjectId }], audit: [{ action: 'child.unlinked', nodeId: link.schoolId, before: link }], result: null };
  });
  return noContent();
});
