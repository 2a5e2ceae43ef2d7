import { auditRecord } from '../../domain/audit/audit-record';
import { NotFoundError } from '../../domain/errors';
import { deleteAppClient } from '../adapters/cognito/app-clients';
import { getIntegration, writeIntegrationDeleted } from '../adapters/dynamo/integration-repository';
import { logger } from '../http/logger';
import { noContent } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { idParamsSchema } from '../shared/schemas';
import { newId, nowIso } from '../shared/ids';
import { authorizeIntegrations } from './integration-view';

/**
 * Our items go first, with the audit record: from then on every request of
 * the client's live tokens is refused (401), whatever Cognito does next.
 * Then the app client itself, so no new token can be had. Should that call
 * fail, the app client may still mint tokens, but the API refuses every one
 * (no client item); the failure is logged with the client id to clean up.
 */
export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  authorizeIntegrations(caller);
  const client = await getIntegration(caller.trust.id, params.id);
  if (!client) throw new NotFoundError('Integration');
  const audit = auditRecord({
    id: newId(), at: nowIso(), actorId: caller.account.id, action: 'integration.deleted',
    targetType: 'integration', targetId: client.id, nodeId: client.nodeId,
    before: { name: client.name, clientId: client.clientId, scopes: client.scopes, nodeId: client.nodeId },
  });
  if (!(await writeIntegrationDeleted(client, audit))) throw new NotFoundError('Integration');
  await deleteAppClient(client.clientId).catch((error: unknown) => logger.error('app client not deleted', { clientId: client.clientId, error: error as Error }));
  return noContent();
});
