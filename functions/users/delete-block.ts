import { NotFoundError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { noContent } from '../http/responses';
import { authorize } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { changePerson } from './person-change';
import { subjectParamsSchema } from './user.schema';

/** Lifts a block. Never one's own: a blocked lead who also manages blocks lifting theirs is the attack this refuses. */
export const handler = httpHandler({ auth: 'user', params: subjectParamsSchema }, async ({ caller, params }) => {
  refuseSelfChange(caller, params.id, 'safeguarding blocks');
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
