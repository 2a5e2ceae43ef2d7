import { NotFoundError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { changePerson } from './person-change';
import { subjectParamsSchema } from './user.schema';

export const handler = httpHandler({ auth: 'user', params: subjectParamsSchema }, async ({ caller, params }) => {
  // A parent's links decide which pupils they see: nobody links (or unlinks) themself.
  refuseSelfChange(caller, params.id, 'links to pupils');
  await changePerson(caller, params.id, ({ person }) => {
    const link = person.children.find((c) => c.subjectId === params.subjectId);
    if (!link) throw new NotFoundError('Child link');
    authorize(caller, 'users.edit', link.schoolId);
    return { ops: [{ type: 'deleteChild', subjectId: params.subjectId }], audit: [{ action: 'child.unlinked', nodeId: link.schoolId, before: link }], result: null };
  });
  return noContent();
});
