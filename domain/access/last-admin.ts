import { ConflictError } from '../errors';
import { untilOf } from './grant-window';
import type { Assignment } from './resolve';
import type { Role } from './roles';

/**
 * The last admin: a trust must always keep someone who can run it, that is
 * an active person holding, at the trust root and valid now, a role that
 * carries org.manage (Trust Admin, or a custom role with it). Every change
 * that takes such a holding away (removing the assignment, deactivating the
 * person, dropping org.manage from the role) must name another holding that
 * stays — a witness — and the store checks, in the same transaction, that the
 * witness still exists and its holder is still active. Two admins removing
 * each other at once then cannot both succeed: each transaction checks the
 * holding the other deletes, and transactions are serialisable. A witness
 * must last at least as long as what the change takes away (review I, I4):
 * an acting admin's holding that ends on Friday does not keep a permanent
 * admin's place, else the trust has nobody on Saturday.
 */
export interface AdminHolding {
  userId: string;
  assignment: Assignment;
}

/** A witness as the store checks it; `roleVersion` pins a custom role's definition (presets never change). */
export interface AdminWitness {
  userId: string;
  assignmentId: string;
  roleId: string;
  roleVersion?: number;
}

export const carriesOrgManage = (role: Role | undefined) => role?.permissions.includes('org.manage') ?? false;

/** Whether an assignment makes its holder an admin of the whole trust now. */
export function isAdminHolding(assignment: Assignment, roles: ReadonlyMap<string, Role>, rootId: string, now: Date): boolean {
  if (assignment.nodeId !== rootId || !carriesOrgManage(roles.get(assignment.roleId))) return false;
  const at = now.getTime();
  if (assignment.validFrom !== undefined && Date.parse(assignment.validFrom) > at) return false;
  return assignment.validUntil === undefined || Date.parse(assignment.validUntil) > at;
}

export const lastAdmin = () =>
  new ConflictError('last_admin', 'This would leave the trust without anyone holding org.manage at the trust; give someone else that role first');

/** The latest end (epoch ms, Infinity: for good) of the admin holdings a change takes away: what its witness must last until. */
export const latestEnd = (holdings: readonly { validUntil?: string }[]): number => Math.max(-Infinity, ...holdings.map(untilOf));

/**
 * The witness for a change that takes admin holdings away: a holding of
 * someone still active that the change leaves alone and that lasts at least
 * until `lastsUntil` (absent validUntil, or none earlier), preferring a preset
 * role (its definition cannot change) and the order given (the caller first).
 * Throws 409 `last_admin` when there is none.
 */
export function pickWitness(input: {
  candidates: readonly AdminHolding[];
  roles: ReadonlyMap<string, Role>;
  /** The latest end of the holdings taken away (latestEnd); Infinity: only an open-ended holding will do. */
  lastsUntil: number;
  excludedUsers?: ReadonlySet<string>;
  excludedAssignments?: ReadonlySet<string>;
  /** Roles losing org.manage in this very change. */
  excludedRoles?: ReadonlySet<string>;
}): AdminWitness {
  const usable = input.candidates.filter(
    (c) =>
      !input.excludedUsers?.has(c.userId) && !input.excludedAssignments?.has(c.assignment.id) && !input.excludedRoles?.has(c.assignment.roleId) &&
      untilOf(c.assignment) >= input.lastsUntil,
  );
  const chosen = usable.find((c) => input.roles.get(c.assignment.roleId)?.builtIn) ?? usable[0];
  if (!chosen) throw lastAdmin();
  const role = input.roles.get(chosen.assignment.roleId)!;
  return { userId: chosen.userId, assignmentId: chosen.assignment.id, roleId: role.id, ...(role.builtIn ? {} : { roleVersion: role.version }) };
}
