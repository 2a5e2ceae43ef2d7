import { pathToRoot, type OrgTree } from '../org/tree';
import type { CompiledAssignment } from './compiled-person';
import { effectivePermissions, type CompiledPerson } from './resolve';
import type { Role } from './roles';
import { isValidAt } from './walk';

/**
 * For how long a grantor's authority to hand a role out lasts (the grant
 * window of the delegation guard, domain/access/delegation.ts): a grant may
 * neither outlive nor predate it.
 */

/** A window of authority in epoch ms, [from, until); ±Infinity when unbounded. */
export interface AuthorityWindow {
  from: number;
  until: number;
}

/** What the window is worked out from: the caller compiled against the trust's tree and roles, their session's 2FA, now. */
interface WindowContext {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  caller: CompiledPerson;
  callerMfa: boolean;
  now: Date;
}

/**
 * Whether the caller, at the node, may hand out `role`, and for which window:
 * they hold every permission of it there (requiresMfa codes only if this
 * session passed 2FA, which is what effectivePermissions already encodes), or
 * a valid assignment on the node's path has a role whose assignableRoles
 * names it (Kubernetes' escalate-or-bind pairing). Null when they may not.
 *
 * The window is the span of the caller's assignments that give this
 * authority, valid now: for held permissions, each code is held from the
 * earliest `from` to the latest `until` of the valid assignments on the path
 * that carry it (they all contain now, so their union is one span), and the
 * role is held while every code is; an assignableRoles grant counts for its
 * own assignment's window; the two routes add up. A role with no known
 * permission is held for ever (it confers nothing).
 */
export function handOutWindow(ctx: WindowContext, role: Role, nodeId: string, codes: readonly string[]): AuthorityWindow | null {
  const valid = validOnPath(ctx, nodeId);
  let window = heldWindow(ctx, nodeId, codes, valid);
  for (const assignment of valid) {
    // Listed directly or through a listed role: what a holder could hand out by way of a second account, they may hand out.
    const holds = ctx.roles.get(assignment.assignment.roleId);
    if (!holds || !listedBy(ctx.roles, holds).has(role.id)) continue;
    window = window
      ? { from: Math.min(window.from, assignment.from), until: Math.max(window.until, assignment.until) }
      : { from: assignment.from, until: assignment.until };
  }
  return window;
}

/** The caller's assignments on the node's path that are valid now. */
function validOnPath(ctx: WindowContext, nodeId: string): CompiledAssignment[] {
  const at = ctx.now.getTime();
  const valid: CompiledAssignment[] = [];
  for (const node of pathToRoot(ctx.tree, nodeId)) {
    for (const assignment of ctx.caller.byNode.get(node.id) ?? []) if (isValidAt(assignment, at)) valid.push(assignment);
  }
  return valid;
}

/** For how long the caller holds every one of `codes` at the node (null: not all of them now); see handOutWindow. */
export function heldWindow(
  ctx: WindowContext,
  nodeId: string,
  codes: readonly string[],
  valid: readonly CompiledAssignment[] = validOnPath(ctx, nodeId),
): AuthorityWindow | null {
  const held = new Set(
    effectivePermissions({ tree: ctx.tree, roles: ctx.roles, person: ctx.caller, nodeId, mfa: ctx.callerMfa, now: ctx.now })
      .permissions,
  );
  if (!codes.every((code) => held.has(code))) return null;
  let from = -Infinity;
  let until = Infinity;
  for (const code of codes) {
    const carrying = valid.filter((assignment) => assignment.permissions.has(code));
    if (carrying.length === 0) return null; // cannot happen: held means carried by a valid assignment on the path
    from = Math.max(from, Math.min(...carrying.map((assignment) => assignment.from)));
    until = Math.min(until, Math.max(...carrying.map((assignment) => assignment.until)));
  }
  return { from, until };
}

/** Only the window of an assignment or a grant request, its absent bounds left out. */
export function windowOf(assignment: { validFrom?: string | undefined; validUntil?: string | undefined }): { validFrom?: string; validUntil?: string } {
  return {
    ...(assignment.validFrom !== undefined ? { validFrom: assignment.validFrom } : {}),
    ...(assignment.validUntil !== undefined ? { validUntil: assignment.validUntil } : {}),
  };
}

/** An assignment's end in epoch ms (Infinity: for good; NaN for a malformed one, which no window contains). */
export const untilOf = (validity: { validUntil?: string }) => (validity.validUntil === undefined ? Infinity : Date.parse(validity.validUntil));

/**
 * Whether a grant stays inside the caller's window: it ends no later than the
 * caller's authority (no validUntil means never, so it needs authority that
 * never ends) and starts no earlier than it (no validFrom means now, which
 * the window holds). A grant must not outlive, nor be back-dated before, the
 * authority that made it: else an acting admin whose role ends on Friday
 * could give a second account of theirs the same role for good.
 */
export function grantFits(window: AuthorityWindow, grant: { validFrom?: string; validUntil?: string }): boolean {
  if (!(untilOf(grant) <= window.until)) return false;
  return grant.validFrom === undefined || Date.parse(grant.validFrom) >= window.from;
}

/**
 * The role and every role it lets its holders hand out, transitively
 * (assignableRoles; deleted ids confer nothing). Handing out a role that lists
 * R hands out R too: its holder can give R to anyone, a second account of the
 * grantor's included (security review B, F5). So every grant, removal,
 * domination test and node move judges the whole closure (as checkRoleEdit
 * judges adding to a role's assignableRoles), and a caller whose role lists R
 * may also hand out what R lists.
 */
export function delegationClosure(roles: ReadonlyMap<string, Role>, role: Role): Role[] {
  return [role, ...[...listedBy(roles, role).values()].filter((listed) => listed.id !== role.id)];
}

/**
 * Closures already worked out, per role map and role: a role map is never
 * mutated (a trust's context builds a new one when its roles change), so each
 * is worked out once, not at every assignment of every handOutWindow call.
 */
const listedCache = new WeakMap<ReadonlyMap<string, Role>, WeakMap<Role, ReadonlyMap<string, Role>>>();

/** The roles `role` lists, directly or through the roles it lists (one or more steps), by id. */
function listedBy(roles: ReadonlyMap<string, Role>, role: Role): ReadonlyMap<string, Role> {
  let byRole = listedCache.get(roles);
  if (!byRole) listedCache.set(roles, (byRole = new WeakMap()));
  const known = byRole.get(role);
  if (known) return known;
  const reached = new Map<string, Role>();
  const queue = [role];
  for (let next = queue.pop(); next; next = queue.pop()) {
    for (const id of next.assignableRoles) {
      const listed = roles.get(id);
      if (listed && !reached.has(id)) {
        reached.set(id, listed);
        queue.push(listed);
      }
    }
  }
  byRole.set(role, reached);
  return reached;
}
