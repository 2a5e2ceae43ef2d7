import { userHandler } from '../http/user-handler';
import { entity } from '../http/responses';
import { userView } from '../users/user-view';

export const handler = userHandler({}, async ({ caller }) =>
  entity(200, { ...userView(caller.account, caller.person), trust: { id: caller.trust.id, name: caller.trust.name, rootNodeId: caller.trust.rootNodeId } }),
);
