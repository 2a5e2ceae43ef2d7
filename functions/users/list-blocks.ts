import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { reach } from '../shared/authorize';
import { loadVisiblePerson } from './person-change';
import { governingNode } from './school';
import { userParamsSchema } from './params.schema';

/**
 * A person's blocks, cut to the schools where the caller manages blocks
 * (reasons are safeguarding data); a block of a deleted school shows to
 * those who manage blocks at the trust root, who may lift it.
 */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { person } = await loadVisiblePerson(caller, params.id, ['users.view', 'safeguarding.blocks.manage']);
  const schools = reach(caller, 'safeguarding.blocks.manage');
  const { tree } = caller.context;
  return json(200, { items: person.blocks.filter((block) => schools.has(governingNode(tree, block.schoolId))) });
});
