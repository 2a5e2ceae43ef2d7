import type { PermissionCode } from '../../domain/access/permissions';
import { reachOf, canSee, type Reach, type VisibleTarget } from '../../domain/access/reach';
import { decide } from '../../domain/access/resolve';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import type { Caller } from '../http/caller';

/**
 * Default deny: the caller must hold `permission` at `nodeId` (grants inherit
 * down the tree). A requiresMfa permission held without a 2FA session is
 * refused with `mfa_required`, so the client knows what would help.
 */
export function authorize(caller: Caller, permission: PermissionCode, nodeId: string): void {
  const decision = decide({
    tree: caller.context.tree, roles: caller.context.roles, person: caller.compiled,
    permission, nodeId, mfa: caller.mfa, now: new Date(),
  });
  if (decision.allowed) return;
  if (decision.reason === 'mfa_required') throw new ForbiddenError('This needs a session that passed two-factor sign-in', 'mfa_required');
  throw new ForbiddenError(`You need ${permission} here`);
}

/** Every node where the caller holds `permission`: the scope of every list, export and report. */
export function reach(caller: Caller, permission: PermissionCode): Reach {
  return reachOf({ tree: caller.context.tree, roles: caller.context.roles, person: caller.compiled, permission, mfa: caller.mfa, now: new Date() });
}

/**
 * Reads of another person: outside the caller's reach the person does not
 * exist (404), so nobody learns who works elsewhere. The caller always sees themself.
 */
export function assertCanSee(caller: Caller, permission: PermissionCode, target: { id: string } & VisibleTarget): void {
  if (target.id === caller.account.id) return;
  if (!canSee(reach(caller, permission), target)) throw new NotFoundError('User');
}
