import { listIntegrations } from '../adapters/dynamo/integration-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorizeIntegrations, integrationView } from './integration-view';
import { integrationListQuerySchema } from './integration.schema';

export const handler = userHandler({ query: integrationListQuerySchema }, async ({ caller, query }) => {
  authorizeIntegrations(caller);
  const page = await listIntegrations(caller.trust.id, query);
  return json(200, { items: page.items.map(integrationView), nextCursor: page.nextCursor });
});
