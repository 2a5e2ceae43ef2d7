import { carriesOrgManage, isAdminHolding, latestEnd, pickWitness, type AdminHolding, type AdminWitness } from '../../domain/access/last-admin';
import type { Assignment } from '../../domain/access/resolve';
import type { Role } from '../../domain/access/roles';
import { listRoleAssignments } from '../adapters/dynamo/admin-repository';
import { loadAccounts, loadPerson } from '../adapters/dynamo/person-repository';
import type { PersonOp } from '../adapters/dynamo/person-writes';
import type { RoleWrite } from '../adapters/dynamo/trust-repository';
import type { Caller } from '../http/caller';

/**
 * The last admin (domain/access/last-admin.ts), for the routes that can take
 * an admin holding away: removing a role, deactivating, narrowing a role.
 * Each finds a witness — another admin holding that stays and lasts at least
 * as long as the latest holding taken away, the caller's own first — and the
 * write re-checks it in its transaction. Candidates come from
 * the holders-of-a-role index, which may lag: the transaction's checks are
 * what make the answer consistent.
 */

type Exclusions = Omit<Parameters<typeof pickWitness>[0], 'candidates' | 'roles'>;

/** Admin holdings at the root of active people other than the caller (the caller's own are known without a query). */
async function otherHoldings(caller: Caller, roles: ReadonlyMap<string, Role>, now: Date): Promise<AdminHolding[]> {
  const { id: trustId, rootNodeId } = caller.trust;
  const roleIds = [...roles.values()].filter(carriesOrgManage).map((role) => role.id);
  const holdings = (await Promise.all(roleIds.map((id) => listRoleAssignments(trustId, id))))
    .flat()
    .filter((h) => h.userId !== caller.account.id && isAdminHolding(h.assignment, roles, rootNodeId, now));
  const active = new Set((await loadAccounts(trustId, [...new Set(holdings.map((h) => h.userId))])).filter((a) => a.status === 'active').map((a) => a.id));
  return holdings.filter((h) => active.has(h.userId));
}

const callerHoldings = (caller: Caller, roles: ReadonlyMap<string, Role>, now: Date): AdminHolding[] =>
  caller.person.assignments
    .filter((a) => isAdminHolding(a, roles, caller.trust.rootNodeId, now))
    .map((assignment) => ({ userId: caller.account.id, assignment }));

/** A witness outside the exclusions: the caller's own holding when one fits, else anyone's. */
async function findWitness(caller: Caller, roles: ReadonlyMap<string, Role>, exclusions: Exclusions): Promise<AdminWitness> {
  const now = new Date();
  try {
    return pickWitness({ candidates: callerHoldings(caller, roles, now), roles, ...exclusions });
  } catch {
    return pickWitness({ candidates: await otherHoldings(caller, roles, now), roles, ...exclusions });
  }
}

/**
 * Before DELETE /users/{id}/roles/{assignmentId}: the ops that keep an admin,
 * to add to the removal's transaction. Deferred (a function the plan calls
 * once it has checked the caller may remove the role) so a refused caller
 * never learns who the last admin is.
 */
export async function keepAdminOnRemoval(caller: Caller, userId: string, assignmentId: string): Promise<() => PersonOp[]> {
  const { roles } = caller.context;
  const assignment = (await loadPerson(caller.trust.id, userId))?.person.assignments.find((a) => a.id === assignmentId);
  if (!assignment || !isAdminHolding(assignment, roles, caller.trust.rootNodeId, new Date())) return () => [];
  try {
    const witness = await findWitness(caller, roles, { excludedAssignments: new Set([assignment.id]), lastsUntil: latestEnd([assignment]) });
    return () => [{ type: 'requireAdmin', witness }];
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

/** Before deactivating `target`: the witness when they hold an admin role at the trust, else null (409 `last_admin` when nobody else does). */
export async function keepAdminOnDeactivation(caller: Caller, target: { id: string; status: string; assignments: readonly Assignment[] }): Promise<AdminWitness | null> {
  const { roles } = caller.context;
  // Oneself is refused anyway (cannot_deactivate_self); inactive and invited people administer nothing now.
  if (target.id === caller.account.id || target.status === 'inactive' || target.status === 'invited') return null;
  const held = target.assignments.filter((a) => isAdminHolding(a, roles, caller.trust.rootNodeId, new Date()));
  if (held.length === 0) return null;
  return findWitness(caller, roles, { excludedUsers: new Set([target.id]), lastsUntil: latestEnd(held) });
}

/**
 * Before storing role edits: when a role loses org.manage while someone holds
 * it at the trust root, the witness that keeps an admin (judged on the roles
 * as they will be), else null.
 */
export async function keepAdminOnRoleEdit(caller: Caller, before: ReadonlyMap<string, Role>, writes: readonly RoleWrite[]): Promise<AdminWitness | null> {
  const losing = writes.filter((w) => carriesOrgManage(before.get(w.role.id)) && (w.type === 'delete' || !carriesOrgManage(w.role))).map((w) => w.role.id);
  if (losing.length === 0) return null;
  const after = new Map(before);
  for (const write of writes) {
    if (write.type === 'delete') after.delete(write.role.id);
    else after.set(write.role.id, write.role);
  }
  const now = new Date();
  const losingRoles = new Map(losing.map((id) => [id, before.get(id)!]));
  const affected = [...callerHoldings(caller, losingRoles, now), ...(await otherHoldings(caller, losingRoles, now))];
  if (affected.length === 0) return null;
  return findWitness(caller, after, { excludedRoles: new Set(losing), lastsUntil: latestEnd(affected.map((h) => h.assignment)) });
}

/**
 * Before storing one person's bulk edit (POST /users/bulk): the ops that keep
 * an admin when the edit deactivates an admin (as keepAdminOnDeactivation) or
 * takes admin holdings away (as keepAdminOnRemoval), else none. Called only
 * once every guard of the edit passed, so a refused caller learns nothing.
 */
export async function keepAdminOnPersonEdit(
  caller: Caller,
  target: { id: string; status: string; assignments: readonly Assignment[] },
  change: { deactivated: boolean; removed: readonly Assignment[] },
): Promise<PersonOp[]> {
  const { roles } = caller.context;
  const now = new Date();
  const root = caller.trust.rootNodeId;
  const held = target.assignments.filter((a) => isAdminHolding(a, roles, root, now));
  const deactivatesAdmin =
    change.deactivated && target.id !== caller.account.id && (target.status === 'active' || target.status === 'locked') && held.length > 0;
  const losing = change.removed.filter((a) => isAdminHolding(a, roles, root, now));
  if (!deactivatesAdmin && losing.length === 0) return [];
  const exclusions: Exclusions = deactivatesAdmin
    ? { excludedUsers: new Set([target.id]), lastsUntil: latestEnd([...held, ...losing]) }
    : { excludedAssignments: new Set(losing.map((a) => a.id)), lastsUntil: latestEnd(losing) };
  return [{ type: 'requireAdmin', witness: await findWitness(caller, roles, exclusions) }];
}
