import { checkAssign, checkUnassign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import type { PermissionCode } from '../../domain/access/permissions';
import { canSee, type Reach } from '../../domain/access/reach';
import type { BulkGuards } from '../../domain/directory/bulk-edit';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import { getNode } from '../../domain/org/tree';
import type { TrustContext } from '../adapters/dynamo/trust-repository';
import type { Caller } from '../http/caller';
import { authorize, reach } from '../shared/authorize';
import { assertDominates, refuseSelfChange } from '../shared/identity-guard';

/** The caller's reach of each permission, computed once per request (a refusal, such as mfa_required, is remembered too). */
export function reachCache(caller: Caller): (permission: PermissionCode) => Reach {
  const cache = new Map<PermissionCode, { reach: Reach } | { error: unknown }>();
  return (permission) => {
    if (!cache.has(permission)) {
      try {
        cache.set(permission, { reach: reach(caller, permission) });
      } catch (error) {
        cache.set(permission, { error });
      }
    }
    const entry = cache.get(permission)!;
    if ('error' in entry) throw entry.error;
    return entry.reach;
  };
}

/**
 * The single-user routes' checks, in their order, for a bulk edit
 * (domain/directory/bulk-edit.ts): each refusal is the one the route would
 * answer. Roles: POST/DELETE /users/{id}/roles (self_change, reach of
 * roles.assign, the delegation guard). Placements: PUT/DELETE
 * /users/{id}/memberships/{nodeId} (self_change, users.edit at the node, reach
 * of users.edit). Sign-in: deactivate, activate and the invitation
 * (loadAccountTarget: the permission somewhere, its reach, the identity guard).
 */
export function bulkGuards(caller: Caller, context: TrustContext, reachOf: (permission: PermissionCode) => Reach): BulkGuards {
  const visible = (person: { id: string; memberships: readonly { nodeId: string }[]; assignments: readonly { nodeId: string }[] }, permission: PermissionCode) => {
    if (person.id !== caller.account.id && !canSee(reachOf(permission), person)) throw new NotFoundError('User');
  };
  const delegation = () => ({ tree: context.tree, roles: context.roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date() });
  return {
    addRole(person, action) {
      refuseSelfChange(caller, person.id, 'roles');
      visible(person, 'roles.assign');
      return checkAssign({ ...delegation(), target: person, roleId: action.roleId, nodeId: action.nodeId, ...windowOf(action), policy: caller.trust.policies });
    },
    removeRole(person, action, matching) {
      refuseSelfChange(caller, person.id, 'roles');
      visible(person, 'roles.assign');
      const input = delegation();
      // Each assignment taken away is judged with its end (an open-ended one needs open-ended authority); taking
      // nothing away needs the authority now, as removing a holding that ends now would.
      const judged = matching.length > 0 ? matching : [{ roleId: action.roleId, nodeId: action.nodeId, validUntil: input.now.toISOString() }];
      for (const assignment of judged) checkUnassign({ ...input, assignment });
    },
    placement(person, nodeId, change) {
      refuseSelfChange(caller, person.id, 'memberships');
      const { tree } = caller.context;
      if (change === 'add') authorize(caller, 'users.edit', getNode(tree, nodeId).id);
      else authorize(caller, 'users.edit', tree.nodes.has(nodeId) ? nodeId : caller.trust.rootNodeId);
      visible(person, 'users.edit');
    },
    signIn(person, permission) {
      if (reachOf(permission).size === 0) throw new ForbiddenError(`You need ${permission}`);
      visible(person, permission);
      assertDominates(caller, person);
    },
  };
}
