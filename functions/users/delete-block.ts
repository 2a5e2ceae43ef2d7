import { NotFoundError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { changePerson } from './person-change';
import { subjectParamsSchema } from './user.schema';

export const handler = httpHandler({ auth: 'user', params: subjectParamsSchema }, async ({ caller, params }) => {
  await changePerson(
    caller,
    params.id,
    ({ person }) => {
      const block = person.blocks.find((b) => b.subjectId === params.subjectId);
      if (!block) throw new NotFoundError('Block');
      authorize(caller, 'safeguarding.blocks.manage', block.schoolId);
      return { ops: [{ type: 'deleteBlock', subjectId: params.subjectId }], audit: [{ action: 'block.removed', nodeId: block.schoolId, before: block }], result: null };
    },
    ['users.view', 'safeguarding.blocks.manage'],
  );
  return noContent();
});
