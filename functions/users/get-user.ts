import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { loadVisiblePerson } from './person-change';
import { userParamsSchema } from './params.schema';
import { userView } from './user-view';

export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { account, person } = await loadVisiblePerson(caller, params.id);
  return entity(200, userView(account, person));
});
