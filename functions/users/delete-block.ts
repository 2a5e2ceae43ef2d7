import { NotFoundError } from '../../domain/errors';
import { userHandler } from '../http/user-handler';
import { noContent } from '../http/responses';
import { authorizeOrHide } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { changePerson } from './person-change';
import { governingNode } from './school';
import { subjectParamsSchema } from './params.schema';

/**
 * Lifts a block: safeguarding.blocks.manage at its school (at the trust root
 * once that school is deleted). Never one's own: a blocked lead who also
 * manages blocks lifting theirs is the attack this refuses.
 */
export const handler = userHandler({ params: subjectParamsSchema }, async ({ caller, params }) => {
  refuseSelfChange(caller, params.id, 'safeguarding blocks');
  await changePerson(
    caller,
    params.id,
    ({ person }) => {
      const block = person.blocks.find((b) => b.subjectId === params.subjectId);
      if (!block) throw new NotFoundError('Block');
      authorizeOrHide(caller, 'safeguarding.blocks.manage', governingNode(caller.context.tree, block.schoolId), 'Block');
      return {
        ops: [{ type: 'deleteBlock', subjectId: params.subjectId, schoolId: block.schoolId }],
        audit: [{ action: 'block.removed', nodeId: block.schoolId, before: block }],
        result: null,
      };
    },
    ['users.view', 'safeguarding.blocks.manage'],
  );
  return noContent();
});
