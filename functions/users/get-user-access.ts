import { accessReport } from '../../domain/access/resolve';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { loadVisiblePerson } from './person-change';
import { userParamsSchema } from './user.schema';

/** Every effective permission of a person, by node, with the assignment it comes from. */
export const handler = userHandler({ params: userParamsSchema }, async ({ caller, params }) => {
  const { person } = await loadVisiblePerson(caller, params.id);
  const { tree, roles } = caller.context;
  return json(200, { userId: person.id, ...accessReport({ tree, roles, person, now: new Date() }) });
});
