import { listAudit } from '../adapters/dynamo/audit-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { reach } from '../shared/authorize';
import { ForbiddenError } from '../../domain/errors';
import { carriesBlockReason, withoutBlockReason } from '../../domain/audit/block-reasons';
import type { AuditRecord } from '../../domain/audit/audit-record';
import { auditQuerySchema } from './audit.schema';

/**
 * Cut to the caller's reach of audit.view: the whole trust for a holder at the
 * root, else records at nodes they reach. A block's reason stays only for
 * readers who manage blocks at the record's school (at the root when that
 * school is gone), as GET /users/{id}/blocks does.
 */
export const handler = httpHandler({ auth: 'user', query: auditQuerySchema }, async ({ caller, query }) => {
  const scope = reach(caller, 'audit.view');
  if (scope.size === 0) throw new ForbiddenError('You need audit.view');
  const everywhere = scope.has(caller.trust.rootNodeId);
  const visible = everywhere ? undefined : (record: { nodeId: string | null }) => record.nodeId !== null && scope.has(record.nodeId);
  const page = await listAudit(caller.trust.id, { ...query, visible });
  const blocks = reach(caller, 'safeguarding.blocks.manage');
  const { tree } = caller.context;
  const mayReadReason = (record: AuditRecord) => blocks.has(record.nodeId !== null && tree.nodes.has(record.nodeId) ? record.nodeId : tree.rootId);
  const items = page.items.map((record) => (carriesBlockReason(record) && !mayReadReason(record) ? withoutBlockReason(record) : record));
  return json(200, { ...page, items });
});
