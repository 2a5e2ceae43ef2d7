import type { Assignment } from '../../domain/access/model';
import type { Role } from '../../domain/access/roles';
import { addedSensitiveCodes, roleIsSensitive, sensitiveGrants } from '../../domain/access/sensitive-grants';
import { displayName, type Account } from '../../domain/identity/account';
import type { OutboxEvent } from '../adapters/dynamo/outbox-repository';
import { accountSecurityEvent, CATEGORY, type Named } from './account-security';

/** The `account_security` events of a grant or a role edit, for its own transaction (account-security.ts `outboxItems`). */
/**
 * What every grant path writes with the grant (never after it): for each node
 * where the change gives `subject` a role carrying sensitive permissions, one
 * event there (so a bulk edit or an import tells the admins once per person
 * and place, not once per role). Its key is the person, the node and the
 * sorted ids of the assignments it reports. `via` names the path (bulk edit,
 * CSV import, …).
 */
export function sensitiveGrantEvents(
  roles: ReadonlyMap<string, Role>, by: Pick<Account, 'firstName' | 'lastName'>, subject: Named,
  granted: readonly Pick<Assignment, 'id' | 'roleId' | 'nodeId'>[], via?: string,
): OutboxEvent[] {
  return sensitiveGrants(roles, granted).map((grant) => accountSecurityEvent(
    subject, grant.nodeId,
    `given ${grant.roleNames.join(', ')} (sensitive permissions) by ${displayName(by)}${via ? ` (${via})` : ''}`,
    `grant:${subject.id}:${grant.nodeId}:${grant.assignmentIds.join(',')}`,
  ));
}

/**
 * A role edit that adds sensitive permissions (or lets its holders give a
 * sensitive role) gives them to every holder at once: one event at the trust
 * (whose admins alone may define roles) naming the role, what it gained and
 * how many assignments of it there are, rather than one per holder (a custom
 * role may have thousands). Keyed by the role and its new version. None when
 * nobody holds it.
 */
export function roleWideningEvents(
  rootNodeId: string, by: Pick<Account, 'firstName' | 'lastName'>, before: Role, after: Role, assignments: number, roles: ReadonlyMap<string, Role>,
): OutboxEvent[] {
  const codes = addedSensitiveCodes(before, after);
  // Roles it now lets its holders hand out that carry sensitive permissions (review D, D1): as much a widening as the codes.
  const listed = after.assignableRoles
    .filter((id) => !before.assignableRoles.includes(id))
    .map((id) => roles.get(id))
    .filter((role): role is Role => role !== undefined && roleIsSensitive(role, roles))
    .map((role) => role.name);
  if ((codes.length === 0 && listed.length === 0) || assignments === 0) return [];
  const gains = [
    ...(codes.length > 0 ? [`now carries ${codes.join(', ')} (sensitive permissions)`] : []),
    ...(listed.length > 0 ? [`now lets its holders give ${listed.join(', ')} (sensitive roles)`] : []),
  ].join(' and ');
  return [{
    category: CATEGORY, nodeId: rootNodeId,
    title: `Role ${after.name} ${gains} for everyone holding it (${assignments} assignment${assignments === 1 ? '' : 's'}); changed by ${displayName(by)}`,
    key: `${CATEGORY}:role:${after.id}:${after.version}`,
  }];
}
