import { listAudit } from '../adapters/dynamo/audit-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { auditQuerySchema } from './audit.schema';

export const handler = httpHandler({ auth: 'user', query: auditQuerySchema }, async ({ caller, query }) => {
  authorize(caller, 'audit.view', caller.trust.rootNodeId);
  return json(200, await listAudit(caller.trust.id, query));
});
