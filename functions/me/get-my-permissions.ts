import { effectivePermissions } from '../../domain/access/resolve';
import { requireNode } from '../../domain/org/tree';
import { myPermissionsQuerySchema } from '../users/user.schema';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';

/** What this session may do at a node; requiresMfa permissions are withheld until the session passed 2FA. */
export const handler = httpHandler({ auth: 'user', query: myPermissionsQuerySchema }, async ({ caller, query }) => {
  const { tree, roles } = caller.context;
  requireNode(tree, query.nodeId, 'nodeId');
  const result = effectivePermissions({ tree, roles, person: caller.compiled, nodeId: query.nodeId, mfa: caller.mfa, now: new Date() });
  return json(200, { nodeId: query.nodeId, ...result });
});
