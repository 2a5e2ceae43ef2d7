import { decideUnderPolicy, withheldByAdminPolicy as withheldUnderPolicy } from '../../domain/access/admin-policy';
import type { PermissionCode } from '../../domain/access/permissions';
import { reachOf, type Reach } from '../../domain/access/reach';
import type { Decision } from '../../domain/access/resolve';
import { ForbiddenError, NotFoundError } from '../../domain/errors';
import type { Caller } from '../http/caller';

const mfaRequired = () => new ForbiddenError('This needs a session that passed two-factor sign-in', 'mfa_required');

/**
 * The trust policy `requireMfaForAdmins`: administration permissions work
 * only in sessions that passed TOTP, like requiresMfa permissions do
 * everywhere.
 */
export function withheldByAdminPolicy(caller: Pick<Caller, 'trust' | 'mfa'>, permission: string): boolean {
  return withheldUnderPolicy(caller.trust.policies, caller.mfa, permission);
}

/**
 * Outside a request (scheduled reports, notification emails and
 * recipients), whether a person may use a permission: the same decision and
 * the same admin policy as `authorize`, with the 2FA they have turned on in
 * place of a session's. Defined in the domain (pure), so the notification
 * recipients' rule uses the very same function.
 */
export { decideUnattended } from '../../domain/access/admin-policy';

/**
 * Default deny: the caller must hold `permission` at `nodeId` (grants inherit
 * down the tree). A permission held but needing a 2FA session (requiresMfa,
 * or an administration one under the trust's policy) is refused with
 * `mfa_required`, so the client knows what would help.
 */
export function authorize(caller: Caller, permission: PermissionCode, nodeId: string): void {
  const decision = decideInSession(caller, { permission, nodeId });
  if (decision.allowed) return;
  if (decision.reason === 'mfa_required') throw mfaRequired();
  throw new ForbiddenError(`You need ${permission} here`);
}

/**
 * `authorize` for something that exists only for those who may act on it (a
 * block or a parent link at another school): a refusal reads exactly like
 * "there is none" (404), so a DELETE is no oracle of which pupil a person is
 * blocked from or linked to where the caller has no say (review I, I1).
 * mfa_required still passes through: only someone who holds the permission
 * there, in a session without 2FA, meets it.
 */
export function authorizeOrHide(caller: Caller, permission: PermissionCode, nodeId: string, what: string): void {
  try {
    authorize(caller, permission, nodeId);
  } catch (error) {
    if (error instanceof ForbiddenError && error.code === 'forbidden') throw new NotFoundError(what);
    throw error;
  }
}

/**
 * What this session may do, as a decision: the caller's own question, with
 * the session's 2FA (not the account's) and the trust's admin policy, so a
 * permission `authorize` and GET /me/permissions withhold answers
 * `mfa_required`. `POST /authz/check` and `/authz/batch` answer a person
 * asking about themself with it.
 */
export function decideInSession(caller: Caller, question: { permission: string; nodeId: string; subjectId?: string | undefined }): Decision {
  return decideUnderPolicy({
    tree: caller.context.tree, roles: caller.context.roles, person: caller.compiled, policies: caller.trust.policies,
    permission: question.permission, nodeId: question.nodeId, ...(question.subjectId !== undefined ? { subjectId: question.subjectId } : {}),
    mfa: caller.mfa, now: new Date(),
  });
}

/**
 * Every node where the caller holds `permission`: the scope of every list,
 * export and report. Under the trust's `requireMfaForAdmins`, a session
 * without 2FA that holds an administration permission somewhere is refused
 * (`mfa_required`) rather than shown an empty scope.
 */
export function reach(caller: Caller, permission: PermissionCode): Reach {
  const scope = reachOf({ tree: caller.context.tree, roles: caller.context.roles, person: caller.compiled, permission, mfa: caller.mfa, now: new Date() });
  if (scope.size > 0 && withheldByAdminPolicy(caller, permission)) throw mfaRequired();
  return scope;
}
