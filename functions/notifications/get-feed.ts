import { listFeed } from '../adapters/dynamo/notification-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { feedQuerySchema } from './notification.schema';

/** The caller's notifications, newest first. */
export const handler = userHandler({ query: feedQuerySchema }, async ({ caller, query }) =>
  json(200, await listFeed(caller.trust.id, caller.account.id, query.limit, query.cursor)),
);
