import type { Assignment } from '../../domain/access/model';
import type { Role } from '../../domain/access/roles';
import { addedSensitiveCodes, roleIsSensitive, sensitiveGrants } from '../../domain/access/sensitive-grants';
import { displayName, type Account } from '../../domain/identity/account';
import type { Trust } from '../../domain/org/trust';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';
import { outboxOf, removeOutboxEntry } from '../adapters/dynamo/outbox-repository';
import { raiseEvent } from './raise';

/**
 * The service's own `account_security` events, through the same path as
 * the apps' (raiseEvent): who hears is decided by the decision engine
 * (users.unlock at the person's node). Best effort by design: the change they
 * report has already happened and stands whatever this does, so a failure is
 * logged, never turned into a failed request.
 */
/** Raises every service event a trust's changes left in the outbox, then removes each (raising is idempotent by its key). */
export async function drainOutbox(trust: Trust): Promise<number> {
  let raised = 0;
  for (const entry of await outboxOf(trust.id)) {
    await raiseEvent(trust, {
      category: entry.category, nodeId: entry.nodeId ?? trust.rootNodeId, title: `${displayName(entry.subject)}: ${entry.title}`,
      occurredAt: entry.at, idempotencyKey: `service:outbox:${entry.id}`, sender: { type: 'service', id: entry.category },
    });
    await removeOutboxEntry(entry.key);
    raised += 1;
  }
  return raised;
}

export async function raiseAccountSecurity(
  trust: Trust, subject: Pick<Account, 'id' | 'firstName' | 'lastName'>, nodeId: string | null, title: string, key: string = newId(),
): Promise<void> {
  await raiseSecurityEvent(trust, nodeId, `${displayName(subject)}: ${title}`, key, { userId: subject.id });
}

async function raiseSecurityEvent(trust: Trust, nodeId: string | null, title: string, key: string, about: Record<string, string>): Promise<void> {
  await raiseEvent(trust, {
    category: 'account_security',
    nodeId: nodeId ?? trust.rootNodeId,
    title,
    occurredAt: nowIso(),
    idempotencyKey: `service:account_security:${key}`,
    sender: { type: 'service', id: 'account_security' },
  }).catch((error: unknown) => logger.error('account_security event not raised', { error, ...about }));
}

/**
 * The one step every grant path takes once its change is stored (never
 * before, never inside its transaction): for each node where the change
 * gave `subject` a role carrying sensitive permissions, one
 * `account_security` event there (so a bulk edit or an import tells the
 * admins once per person, not once per role or row of work). Its key is the
 * person, the node and the sorted ids of the assignments it reports, so a
 * job re-run or a message delivered twice that reports the same stored
 * grant raises it once. `via` names the path (bulk edit, CSV import, …).
 */
export async function raiseSensitiveGrants(
  trust: Trust, roles: ReadonlyMap<string, Role>, by: Pick<Account, 'firstName' | 'lastName'>,
  subject: Pick<Account, 'id' | 'firstName' | 'lastName'>, granted: readonly Pick<Assignment, 'id' | 'roleId' | 'nodeId'>[], via?: string,
): Promise<void> {
  for (const grant of sensitiveGrants(roles, granted)) {
    const title = `given ${grant.roleNames.join(', ')} (sensitive permissions) by ${displayName(by)}${via ? ` (${via})` : ''}`;
    await raiseAccountSecurity(trust, subject, grant.nodeId, title, `grant:${subject.id}:${grant.nodeId}:${grant.assignmentIds.join(',')}`);
  }
}

/**
 * A role edit that adds sensitive permissions gives them to every holder at
 * once. One event per role edit at the trust (whose admins alone may define
 * roles), naming the role, the codes and how many assignments of it there
 * are, rather than one per holder: a custom role may have thousands of
 * holders. Keyed by the role and its new version. Nothing when nobody holds it.
 */
export async function raiseRoleWidening(
  trust: Trust, by: Pick<Account, 'firstName' | 'lastName'>, before: Role, after: Role, assignments: number, roles: ReadonlyMap<string, Role>,
): Promise<void> {
  const codes = addedSensitiveCodes(before, after);
  // Roles it now lets its holders hand out that carry sensitive permissions (review D, D1): as much a widening as the codes.
  const listed = after.assignableRoles
    .filter((id) => !before.assignableRoles.includes(id))
    .map((id) => roles.get(id))
    .filter((role): role is Role => role !== undefined && roleIsSensitive(role, roles))
    .map((role) => role.name);
  if ((codes.length === 0 && listed.length === 0) || assignments === 0) return;
  const gains = [
    ...(codes.length > 0 ? [`now carries ${codes.join(', ')} (sensitive permissions)`] : []),
    ...(listed.length > 0 ? [`now lets its holders give ${listed.join(', ')} (sensitive roles)`] : []),
  ].join(' and ');
  const title = `Role ${after.name} ${gains} for everyone holding it (${assignments} assignment${assignments === 1 ? '' : 's'}); changed by ${displayName(by)}`;
  await raiseSecurityEvent(trust, trust.rootNodeId, title, `role:${after.id}:${after.version}`, { roleId: after.id });
}
