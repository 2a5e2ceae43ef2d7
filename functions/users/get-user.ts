import { canSee } from '../../domain/access/reach';
import { NotFoundError } from '../../domain/errors';
import { loadPerson } from '../adapters/dynamo/person-repository';
import { isClientCaller, userOrClientHandler } from '../http/client-caller';
import { entity } from '../http/responses';
import { loadVisiblePerson } from './person-change';
import { userParamsSchema } from './params.schema';
import { cutToNodes, userView } from './user-view';

/**
 * A person in the caller's reach of users.view, or, for an integration client
 * with users.read, at or under its node (404 otherwise), shown to the client
 * with only their places and roles at or under its node (review F, F-10).
 */
export const handler = userOrClientHandler('users.read', { params: userParamsSchema }, async ({ caller, params }) => {
  if (isClientCaller(caller)) {
    const record = await loadPerson(caller.trust.id, params.id);
    if (!record || !canSee(caller.reach, record.person)) throw new NotFoundError('User');
    return entity(200, userView(record.account, cutToNodes(record.person, caller.reach)));
  }
  const { account, person } = await loadVisiblePerson(caller, params.id);
  return entity(200, userView(account, person));
});
