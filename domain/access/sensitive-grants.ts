import { delegationClosure } from './grant-window';
import type { Assignment } from './model';
import { isSensitive } from './permissions';
import type { Role } from './roles';

/**
 * Which grants of one change give a person sensitive permissions (a role
 * carrying any `requiresMfa` or `reserved` code: the codes whose grant needs a
 * 2FA session), grouped by the node they were given at, so one change tells
 * the admins of each place once however many roles it gave there. The same
 * rule for every grant path (the single route, POST /users, bulk edit, the
 * CSV import, the MIS sync); the `account_security` event is raised from it
 * after the change is stored (functions/notifications/service-events.ts).
 */
export interface SensitiveGrant {
  nodeId: string;
  /** The sensitive roles given there, in the order given. */
  roleNames: string[];
  /** Their assignment ids, sorted: the same stored grant always gives the same list (the event's idempotency key). */
  assignmentIds: string[];
}

/** A role is sensitive when it, or any role it lets its holders hand out (delegationClosure), carries a sensitive code. */
export function roleIsSensitive(role: Role | undefined, roles: ReadonlyMap<string, Role>): boolean {
  return role !== undefined && delegationClosure(roles, role).some((handed) => handed.permissions.some(isSensitive));
}

export function sensitiveGrants(roles: ReadonlyMap<string, Role>, granted: readonly Pick<Assignment, 'id' | 'roleId' | 'nodeId'>[]): SensitiveGrant[] {
  const byNode = new Map<string, SensitiveGrant>();
  for (const assignment of granted) {
    const role = roles.get(assignment.roleId);
    if (!role || !roleIsSensitive(role, roles)) continue;
    const entry = byNode.get(assignment.nodeId) ?? { nodeId: assignment.nodeId, roleNames: [], assignmentIds: [] };
    if (!entry.roleNames.includes(role.name)) entry.roleNames.push(role.name);
    entry.assignmentIds.push(assignment.id);
    byNode.set(assignment.nodeId, entry);
  }
  return [...byNode.values()].map((entry) => ({ ...entry, assignmentIds: [...entry.assignmentIds].sort() }));
}

/** The sensitive codes a role edit adds: its holders gain them all at once (PATCH /roles/{id}, PUT /access-matrix). */
export function addedSensitiveCodes(before: Pick<Role, 'permissions'>, after: Pick<Role, 'permissions'>): string[] {
  return after.permissions.filter((code) => isSensitive(code) && !before.permissions.includes(code));
}
