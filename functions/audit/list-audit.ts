import { listAudit } from '../adapters/dynamo/audit-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { reach } from '../shared/authorize';
import { ForbiddenError } from '../../domain/errors';
import { auditQuerySchema } from './audit.schema';

/** Cut to the caller's reach of audit.view: the whole trust for a holder at the root, else records at nodes they reach. */
export const handler = httpHandler({ auth: 'user', query: auditQuerySchema }, async ({ caller, query }) => {
  const scope = reach(caller, 'audit.view');
  if (scope.size === 0) throw new ForbiddenError('You need audit.view');
  const everywhere = scope.has(caller.trust.rootNodeId);
  const visible = everywhere ? undefined : (record: { nodeId: string | null }) => record.nodeId !== null && scope.has(record.nodeId);
  return json(200, await listAudit(caller.trust.id, { ...query, visible }));
});
