import { checkAssign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import { initialMemberships } from '../../domain/access/memberships';
import type { Assignment } from '../../domain/access/resolve';
import { requireNode } from '../../domain/org/tree';
import type { TrustContext } from '../adapters/dynamo/trust-repository';
import type { Caller } from '../http/caller';
import { authorize } from '../shared/authorize';
import type * as z from '../shared/zod';
import type { createUserBodySchema } from './user.schema';

export type NewPersonBody = z.output<typeof createUserBodySchema>;

/**
 * The rules of a new person, before anything is stored: every node exists,
 * users.create wherever the person is placed (at the trust when nowhere),
 * every role through the delegation guard against `context`'s roles. Throws
 * the domain error the route answers with; the CSV import asks the same.
 */
export function checkNewPerson(caller: Caller, body: NewPersonBody, context: TrustContext = caller.context) {
  const { tree } = caller.context;
  body.memberships.forEach((m, i) => requireNode(tree, m.nodeId, `memberships.${i}.nodeId`));
  body.roles.forEach((r, i) => requireNode(tree, r.nodeId, `roles.${i}.nodeId`));
  const places = body.memberships.length ? body.memberships.map((m) => m.nodeId) : body.roles.length ? body.roles.map((r) => r.nodeId) : [tree.rootId];
  new Set(places).forEach((nodeId) => authorize(caller, 'users.create', nodeId));
  const memberships = initialMemberships(body.memberships.map((m) => ({ ...m, primary: m.primary ?? false })));
  const grant = (assignments: Assignment[], at: TrustContext) =>
    assignments.map((assignment) => {
      const role = checkAssign({
        tree: at.tree, roles: at.roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target: { memberships },
        roleId: assignment.roleId, nodeId: assignment.nodeId, ...windowOf(assignment), policy: caller.trust.policies,
      });
      return { assignment, customRole: !role.builtIn };
    });
  grant(body.roles.map((r) => ({ id: 'check', ...r })), context);
  return { places, memberships, grant };
}
