import { effectivePermissions } from '../../domain/access/resolve';
import { requireNode } from '../../domain/org/tree';
import { myPermissionsQuerySchema } from '../users/user.schema';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { withheldByAdminPolicy } from '../shared/authorize';

/**
 * What this session may do at a node; requiresMfa permissions (and, under the
 * trust's requireMfaForAdmins, administration ones) are withheld until the
 * session passed 2FA.
 */
export const handler = userHandler({ query: myPermissionsQuerySchema }, async ({ caller, query }) => {
  const { tree, roles } = caller.context;
  requireNode(tree, query.nodeId, 'nodeId');
  const result = effectivePermissions({ tree, roles, person: caller.compiled, nodeId: query.nodeId, mfa: caller.mfa, now: new Date() });
  const withheld = new Set(result.permissions.filter((code) => withheldByAdminPolicy(caller, code)));
  return json(200, {
    nodeId: query.nodeId,
    permissions: result.permissions.filter((code) => !withheld.has(code)),
    withheldForMfa: [...withheld, ...result.withheldForMfa],
  });
});
