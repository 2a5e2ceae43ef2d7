import { isSensitive, permissionByCode } from '../access/permissions';
import type { Assignment } from '../access/resolve';
import type { Role } from '../access/roles';
import { ConflictError } from '../errors';
import type { TrustPolicies } from '../org/trust';

export interface MfaRequirementInput {
  assignments: readonly Assignment[];
  roles: ReadonlyMap<string, Role>;
  policies: Pick<TrustPolicies, 'requireMfaForAdmins'>;
  now: Date;
}

/**
 * Whether a person's roles oblige them to keep TOTP on: a role that carries a
 * requiresMfa or reserved permission anywhere, or, when the trust requires
 * 2FA for admins, an administration permission. Future-dated assignments
 * count (they start working without anyone asking again); expired ones and
 * deleted roles confer nothing, so they do not.
 */
export function mfaRequiredByRoles(input: MfaRequirementInput): boolean {
  const at = input.now.getTime();
  return input.assignments.some((assignment) => {
    if (assignment.validUntil !== undefined && Date.parse(assignment.validUntil) <= at) return false;
    const role = input.roles.get(assignment.roleId);
    return (role?.permissions ?? []).some(
      (code) => isSensitive(code) || (input.policies.requireMfaForAdmins && permissionByCode.get(code)?.area === 'administration'),
    );
  });
}

/**
 * Turning one's own TOTP off is refused (409 `mfa_required_by_role`) while
 * the person's roles or the trust's policy require it: otherwise someone
 * holding a stolen session could quietly lower the account to password-only.
 * A lost device is the admin reset's business, not this.
 */
export function assertMayTurnOffTotp(input: MfaRequirementInput): void {
  if (mfaRequiredByRoles(input)) {
    throw new ConflictError('mfa_required_by_role', 'Your roles (or your trust) require two-factor sign-in, so it cannot be turned off');
  }
}
