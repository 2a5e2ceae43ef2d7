import { checkIdentityGuard } from '../../domain/access/delegation';
import type { Person } from '../../domain/access/resolve';
import { ForbiddenError } from '../../domain/errors';
import type { Caller } from '../http/caller';

/**
 * The identity guard at the edge of every path that changes how another
 * person signs in or whether they can (email, password reset, invitation,
 * deactivate, activate, unlock, 2FA reset, and the bulk, CSV and MIS paths
 * that reuse them): whoever could move a login or send a link could become
 * the target, so the caller must dominate them (403 `outranked`, or
 * `mfa_required` when only a 2FA session is missing). One call site per
 * mechanism keeps a new path from forgetting it.
 */
export function assertDominates(caller: Caller, target: Pick<Person, 'id' | 'assignments'>): void {
  checkIdentityGuard({
    tree: caller.context.tree, roles: caller.context.roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date(), target,
  });
}

/**
 * Changes nobody may make to themself: lifting or setting their own
 * safeguarding blocks, granting or removing their own roles, placing
 * themself, moving their own sign-in email. Each would let a person widen
 * what they can reach or escape a restriction without a second person.
 */
export function refuseSelfChange(caller: Caller, userId: string, what: string): void {
  if (userId === caller.account.id) throw new ForbiddenError(`You cannot change your own ${what}; ask another administrator`, 'self_change');
}
