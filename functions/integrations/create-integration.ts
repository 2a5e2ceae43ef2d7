import { auditRecord } from '../../domain/audit/audit-record';
import type { IntegrationClient } from '../../domain/integrations/client';
import { requireNode } from '../../domain/org/tree';
import { createAppClient, deleteAppClient } from '../adapters/cognito/app-clients';
import { writeNewIntegration } from '../adapters/dynamo/integration-repository';
import { apiUrl, config } from '../config';
import { logger } from '../http/logger';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { newId, nowIso } from '../shared/ids';
import { authorizeNewIntegration, integrationView } from './integration-view';
import { createIntegrationBodySchema } from './integration.schema';

/**
 * A new client for another school app: a Cognito app client (client
 * credentials, the scopes given), then our item (node, scopes, limit,
 * creator) with its audit record. The secret is in this answer only. If the
 * item cannot be stored the app client is deleted again.
 */
export const handler = userHandler({ body: createIntegrationBodySchema }, async ({ caller, body }) => {
  authorizeNewIntegration(caller);
  requireNode(caller.context.tree, body.nodeId, 'nodeId');
  const id = newId();
  const { clientId, clientSecret } = await createAppClient({ integrationId: id, scopes: body.scopes });
  const client: IntegrationClient = {
    id, trustId: caller.trust.id, clientId, name: body.name, nodeId: body.nodeId, scopes: body.scopes, status: 'active',
    requestsPerWindow: body.requestsPerWindow ?? config().INTEGRATION_REQUESTS_PER_WINDOW,
    createdBy: caller.account.id, createdAt: nowIso(),
  };
  const audit = auditRecord({
    id: newId(), at: client.createdAt, actorId: caller.account.id, action: 'integration.created',
    targetType: 'integration', targetId: id, nodeId: client.nodeId,
    after: { name: client.name, clientId, scopes: client.scopes, nodeId: client.nodeId, requestsPerWindow: client.requestsPerWindow },
  });
  try {
    await writeNewIntegration(client, audit);
  } catch (error) {
    await deleteAppClient(clientId).catch((e: unknown) => logger.error('orphan app client not deleted', { clientId, error: e as Error }));
    throw error;
  }
  return json(201, { ...integrationView(client), clientSecret, tokenEndpoint: apiUrl('/oauth2/token') }, { location: `/integrations/${id}` });
});
