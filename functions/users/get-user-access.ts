import { accessReport } from '../../domain/access/resolve';
import { InvalidInputError } from '../../domain/errors';
import { requireNode } from '../../domain/org/tree';
import { decodeCursor, encodeCursor, ID_KEY } from '../adapters/dynamo/cursor';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { loadVisiblePerson } from './person-change';
import { userParamsSchema } from './params.schema';
import { accessQuerySchema } from './user.schema';

/**
 * Every effective permission of a person, by node, with the assignment it
 * comes from: a page of nodes in tree order (`limit`, `cursor`), or one node
 * (`nodeId`), or one code (`permission`), so the answer stays small however
 * big the trust (a trust admin of 2,000 nodes holds every code at each).
 * The trust's requireMfaForAdmins applies (administration codes withheld
 * without 2FA), so the report agrees with POST /authz/check.
 */
export const handler = userHandler({ params: userParamsSchema, query: accessQuerySchema }, async ({ caller, params, query }) => {
  const { person } = await loadVisiblePerson(caller, params.id);
  const { tree, roles } = caller.context;
  if (query.nodeId !== undefined) requireNode(tree, query.nodeId, 'nodeId');
  const after = decodeCursor(query.cursor, ['after'], { after: ID_KEY })?.after;
  if (after !== undefined && !tree.nodes.has(after)) {
    throw new InvalidInputError('invalid_cursor', 'The cursor names a node that no longer exists; start again', [{ path: 'query.cursor', message: 'stale cursor' }]);
  }
  const report = accessReport({
    tree, roles, person, policies: caller.trust.policies, now: new Date(),
    page: { limit: query.limit, ...(query.nodeId ? { nodeId: query.nodeId } : {}), ...(query.permission ? { permission: query.permission } : {}), ...(after ? { after } : {}) },
  });
  const { nextAfter, ...rest } = report;
  return json(200, { userId: person.id, ...rest, nextCursor: nextAfter === null ? null : encodeCursor({ after: nextAfter }, ['after']) });
});
