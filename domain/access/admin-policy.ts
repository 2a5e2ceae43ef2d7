import type { TrustPolicies } from '../org/trust';
import { CompiledPerson } from './compiled-person';
import { MFA_REQUIRED, type Decision } from './model';
import { permissionByCode } from './permissions';
import { decide, type DecideInput } from './resolve';

export type AdminPolicy = Pick<TrustPolicies, 'requireMfaForAdmins'>;

/**
 * The trust policy `requireMfaForAdmins`: administration permissions work
 * only with two-factor sign-in, like requiresMfa permissions do everywhere.
 */
export function withheldByAdminPolicy(policies: AdminPolicy, mfa: boolean, permission: string): boolean {
  return policies.requireMfaForAdmins && !mfa && permissionByCode.get(permission)?.area === 'administration';
}

/** decide(), then the trust's admin policy: a permission it withholds answers `mfa_required`. */
export function decideUnderPolicy(input: DecideInput & { policies: AdminPolicy }): Decision {
  const decision = decide(input);
  return decision.allowed && withheldByAdminPolicy(input.policies, input.mfa, input.permission) ? MFA_REQUIRED : decision;
}

/**
 * Whether a person may use a permission with nobody signed in (an email, a
 * scheduled report, a notification's recipients): the decision engine asked
 * as a 2FA session exactly when the person has 2FA on, then the trust's admin
 * policy. So nothing reaches someone by email that a request of theirs would
 * be refused (a requiresMfa permission, or an administration one under
 * `requireMfaForAdmins`, without 2FA on). Every unattended check goes through
 * here: the reports job and schedules, notification recipients on arrival
 * and at send time.
 */
export function decideUnattended(input: Omit<DecideInput, 'mfa'> & { policies: AdminPolicy }): Decision {
  const mfa = input.person instanceof CompiledPerson ? input.person.person.mfaEnabled : input.person.mfaEnabled;
  return decideUnderPolicy({ ...input, mfa });
}
