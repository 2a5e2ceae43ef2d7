import { ConflictError, ForbiddenError, InvalidInputError } from '../errors';
import { pathToRoot, subtreeIds, type OrgTree } from '../org/tree';
import { isSensitive, permissionByCode } from './permissions';
import { CompiledPerson, compiledFor, decide, effectivePermissions, type Assignment, type Person } from './resolve';
import { scopeAllows, validateRoleDefinition, type Role } from './roles';
import { delegationClosure, grantFits, handOutWindow, heldWindow, untilOf, windowOf, type AuthorityWindow } from './grant-window';

/** Trust-level switches that tighten delegation. */
export interface DelegationPolicy {
  /** Only assign roles in a cluster (anywhere below the root) to people who belong there. */
  membersOnly?: boolean;
}

interface CallerContext {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  caller: Person | CompiledPerson;
  /** Whether the caller's current session passed 2FA. */
  callerMfa: boolean;
  now: Date;
}

export interface CheckAssignInput extends CallerContext {
  /** The person receiving the role; only their memberships matter here. */
  target: { memberships: readonly { nodeId: string }[] };
  roleId: string;
  nodeId: string;
  /**
   * The grant's window (ISO times), as it will be stored. Absent validUntil is
   * a grant for good: only a caller whose own authority never ends may give it.
   */
  validFrom?: string;
  validUntil?: string;
  policy?: DelegationPolicy;
}

const forbidden = () => new ForbiddenError('You need roles.assign here to change roles', 'forbidden');
const escalation = () =>
  new ForbiddenError('You can only grant what you hold yourself or what your own role lets you assign', 'escalation');
const outlasts = (window: AuthorityWindow) =>
  new ForbiddenError(
    Number.isFinite(window.until)
      ? `You can only grant this role within your own authority to hand it out: from ${isoOrOpen(window.from)} until ${new Date(window.until).toISOString()} at the latest`
      : `You can only grant this role from ${isoOrOpen(window.from)}, when your own authority to hand it out began`,
    'escalation',
  );
const outlivesRemover = (window: AuthorityWindow) =>
  new ForbiddenError(
    Number.isFinite(window.until)
      ? `You can only take away this role where it ends by ${new Date(window.until).toISOString()}, when your own authority to give it ends`
      : 'You can only take away this role where it ends no later than your own authority to give it',
    'escalation',
  );
const isoOrOpen = (at: number) => (Number.isFinite(at) ? new Date(at).toISOString() : 'any time');
const mfaRequired = () =>
  new ForbiddenError('Granting sensitive or reserved permissions needs a session that passed two-factor sign-in', 'mfa_required');

/** Codes of a role that confer anything; retired codes grant nothing, so they neither need holding nor 2FA. */
function knownCodes(permissions: readonly string[]): string[] {
  return permissions.filter((code) => permissionByCode.has(code));
}

/**
 * Who may touch an assignment of `role` at `nodeId`, shared by granting and
 * removing. The checks run from "may you touch roles here at all" to "is this
 * particular role yours to hand out", and the 2FA check comes before the
 * escalation check: without 2FA a sensitive role can never be handed out, and
 * the caller's requiresMfa codes do not count as held, so "sign in with 2FA"
 * is the answer that leads somewhere.
 */
function checkAuthority(
  ctx: CallerContext & { caller: CompiledPerson },
  role: Role | undefined,
  nodeId: string,
  change: { grant: { validFrom?: string; validUntil?: string } } | { removed: { validUntil?: string } },
): void {
  const { tree, roles } = ctx;
  const assign = decide({ tree, roles, person: ctx.caller, permission: 'roles.assign', nodeId, mfa: ctx.callerMfa, now: ctx.now });
  if (!assign.allowed) throw forbidden();
  if (!role) return; // a deleted role grants nothing, so removing what is left of it needs only roles.assign
  const codes = knownCodes(role.permissions);
  if (!ctx.callerMfa && codes.some(isSensitive)) throw mfaRequired();
  const handed = delegationClosure(roles, role);
  // What its holders may hand out counts too; there, "sign in with 2FA" is the answer only where it would help.
  const handsOutSensitive = handed.some((r) => knownCodes(r.permissions).some(isSensitive));
  if (!ctx.callerMfa && handsOutSensitive && closureWindow({ ...ctx, callerMfa: true }, handed, nodeId)) throw mfaRequired();
  const window = closureWindow(ctx, handed, nodeId);
  if (!window) throw escalation();
  // A grant must fit in the window; a removal must not take away more than the caller could give back:
  // the holding removed ends no later than the caller's authority (an open-ended one needs open-ended authority).
  if ('grant' in change && !grantFits(window, change.grant)) throw outlasts(window);
  if ('removed' in change && !(untilOf(change.removed) <= window.until)) throw outlivesRemover(window);
}

/** For how long the caller may hand out every role of a closure at the node (the intersection of handOutWindow); null if any is not theirs to hand out. */
function closureWindow(ctx: CallerContext & { caller: CompiledPerson }, closure: readonly Role[], nodeId: string): AuthorityWindow | null {
  let window: AuthorityWindow = { from: -Infinity, until: Infinity };
  for (const role of closure) {
    const handOut = handOutWindow(ctx, role, nodeId, knownCodes(role.permissions));
    if (!handOut) return null;
    window = { from: Math.max(window.from, handOut.from), until: Math.min(window.until, handOut.until) };
  }
  return window;
}

/**
 * The delegation guard for POST /users/{id}/roles (and POST /users, bulk
 * addRole, the CSV import, the MIS role map): nobody grants above their own
 * level, nor for longer: the grant's window must fit in the caller's
 * authority to hand the role out there (handOutWindow, grantFits). Where a role may sit (its scope) and the membership policy are
 * checked only once the caller is known to be allowed, so a refused caller
 * learns nothing about the target. Returns the role being granted.
 */
export function checkAssign(input: CheckAssignInput): Role {
  const { tree, roles, nodeId } = input;
  const node = tree.nodes.get(nodeId);
  if (!node) throw new InvalidInputError('unknown_node', 'The node does not exist in this trust', [{ path: 'nodeId', message: 'no such node' }]);
  const role = roles.get(input.roleId);
  if (!role) throw new InvalidInputError('unknown_role', 'The role does not exist in this trust', [{ path: 'roleId', message: 'no such role' }]);
  checkAuthority({ ...input, caller: compiledFor(input.caller, roles, tree) }, role, nodeId, { grant: windowOf(input) });

  if (!scopeAllows(role.scope, node.kind)) {
    throw new InvalidInputError('scope_mismatch', `${role.name} is assigned at a ${role.scope} node, not a ${node.kind}`, [
      { path: 'nodeId', message: `this role is assigned at a ${role.scope} node` },
    ]);
  }
  if (input.policy?.membersOnly && nodeId !== tree.rootId && !isMemberAround(tree, nodeId, input.target.memberships)) {
    throw new ConflictError('not_a_member', 'This trust only assigns roles in a cluster to people who belong there');
  }
  return role;
}

export interface CheckUnassignInput extends CallerContext {
  /** The assignment taken away, with its end (absent validUntil: it lasts for good). */
  assignment: { roleId: string; nodeId: string; validUntil?: string };
}

/**
 * The guard for DELETE /users/{id}/roles/{assignmentId}: the same authority
 * as granting that role at that node (API.md: "same"), so nobody removes a
 * role they could not have given — for as long as it lasts: the assignment
 * must end no later than the caller's authority to hand the role out there
 * (as a grant must, and as the identity guard asks), else 403 `escalation`
 * naming that end. An acting admin whose role ends on Friday cannot take a
 * permanent admin's role away (review I, I4); an open-ended assignment needs
 * open-ended authority to remove. Scope and the membership policy are left
 * out on purpose: they say where a role may be added, and must never keep an
 * admin from taking away a role that no longer fits. An assignment at a node
 * that no longer exists is treated as sitting at the trust root; one of a
 * deleted role needs only roles.assign.
 */
export function checkUnassign(input: CheckUnassignInput): void {
  const { tree, roles, assignment } = input;
  const nodeId = tree.nodes.has(assignment.nodeId) ? assignment.nodeId : tree.rootId;
  checkAuthority({ ...input, caller: compiledFor(input.caller, roles, tree) }, roles.get(assignment.roleId), nodeId, { removed: assignment });
}

/**
 * Belonging for the membersOnly policy: a membership at the node, anywhere
 * under it, or at an ancestor below the root. A trust-root membership does not
 * count, since everyone could have one and the policy would mean nothing.
 */
function isMemberAround(tree: OrgTree, nodeId: string, memberships: readonly { nodeId: string }[]): boolean {
  const around = subtreeIds(tree, nodeId);
  for (const ancestor of pathToRoot(tree, nodeId)) if (ancestor.id !== tree.rootId) around.add(ancestor.id);
  return memberships.some((membership) => around.has(membership.nodeId));
}

/**
 * Whether an edit adds a permission or an assignable role to a role: the only
 * edits that give its holders anything new, so the only ones for which
 * checkRoleEdit judges the holders (and a route must read them, conditioning
 * its write on their counter). A narrowing, a rename or a scope or
 * description change reads nobody (review D, D7).
 */
export function widensRole(
  before: { permissions: readonly string[]; assignableRoles: readonly string[] },
  after: { permissions: readonly string[]; assignableRoles: readonly string[] },
): boolean {
  return after.permissions.some((code) => !before.permissions.includes(code)) || after.assignableRoles.some((id) => !before.assignableRoles.includes(id));
}

export interface CheckRoleEditInput extends CallerContext {
  /** The role as stored; absent when creating a role (POST /roles). */
  before?: Role;
  after: { id: string; permissions: readonly string[]; assignableRoles: readonly string[] };
  /**
   * Every assignment of this role today, with its holder. Future-dated and
   * expired ones included: a widened role reaches them when they become valid.
   */
  holders: readonly { personId: string; nodeId: string; validFrom?: string; validUntil?: string }[];
}

/**
 * The escalation rule for POST/PATCH /roles and PUT /access-matrix. A caller
 * may only add to a role the permissions they hold at the trust root
 * themselves (held at the root means held everywhere, so the new codes are
 * covered wherever the role is assigned). Widening a role someone else holds
 * counts as granting to them: the caller also needs roles.assign at each
 * such holder's node. Adding to a role's assignableRoles is a widening too (it
 * lets holders hand out more), so the caller must be able to assign the added
 * role at the root themselves. Narrowing is always allowed. Whether built-in
 * roles may be edited at all is the route's rule, not this one. Returns the
 * definition de-duplicated, permissions in catalogue order.
 */
export function checkRoleEdit(input: CheckRoleEditInput): { permissions: string[]; assignableRoles: string[] } {
  const { tree, roles, after } = input;
  const rootId = tree.rootId;
  const caller = compiledFor(input.caller, roles, tree);
  const ctx = { ...input, caller };
  const may = (permission: string, nodeId: string) =>
    decide({ tree, roles, person: caller, permission, nodeId, mfa: input.callerMfa, now: input.now }).allowed;

  if (!may('roles.define', rootId)) throw new ForbiddenError('You need roles.define at the trust to change roles', 'forbidden');
  const definition = validateRoleDefinition(after, [...roles.keys(), after.id]);

  const hadPermissions = new Set(input.before?.permissions ?? []);
  const hadAssignable = new Set(input.before?.assignableRoles ?? []);
  const addedPermissions = definition.permissions.filter((code) => !hadPermissions.has(code));
  const addedAssignable = definition.assignableRoles.filter((id) => !hadAssignable.has(id));
  // The same test as widensRole (routes read holders only when it holds): nothing added, nothing to judge.
  if (!widensRole({ permissions: [...hadPermissions], assignableRoles: [...hadAssignable] }, definition)) return definition;

  // The edited role judged by its new definition wherever the closure meets it (a role listing itself, or a cycle back to it).
  const edited = new Map(roles).set(after.id, { ...(input.before ?? blankRole(after.id)), ...definition });
  if (!input.callerMfa && addedPermissions.some(isSensitive)) throw mfaRequired();
  const heldAtRoot = new Set(
    effectivePermissions({ tree, roles, person: caller, nodeId: rootId, mfa: input.callerMfa, now: input.now }).permissions,
  );
  if (!addedPermissions.every((code) => heldAtRoot.has(code))) throw escalation();
  // The widening reaches every holder for as long as their assignment lasts, so it must not outlast the caller's own hold on what is added.
  let window: AuthorityWindow = heldWindow(ctx, rootId, addedPermissions) ?? { from: Infinity, until: -Infinity };
  for (const id of addedAssignable) {
    const assignable = edited.get(id);
    // Holders may then hand out the added role and everything it lists in turn.
    const closure = assignable ? delegationClosure(edited, assignable) : [];
    // Listing a role is handing it out (to whoever the holders choose): a sensitive one needs 2FA, as granting it
    // would (review D, D1); "sign in with 2FA" is the answer only where a 2FA session could hand it out.
    if (!input.callerMfa && closure.some((r) => knownCodes(r.permissions).some(isSensitive))) {
      throw closureWindow({ ...ctx, callerMfa: true }, closure, rootId) ? mfaRequired() : escalation();
    }
    const handOut = assignable ? closureWindow(ctx, closure, rootId) : null;
    if (!handOut) throw escalation();
    window = { from: Math.max(window.from, handOut.from), until: Math.min(window.until, handOut.until) };
  }

  const callerId = caller.person.id;
  for (const holder of input.holders) {
    if (holder.personId !== callerId && tree.nodes.has(holder.nodeId) && !may('roles.assign', holder.nodeId)) throw forbidden();
  }
  // The caller's own assignments count too: widening a role they hold for good would keep what they hold only for a while.
  if (input.holders.some((holder) => !(untilOf(holder) <= window.until))) throw outlasts(window);
  return definition;
}

function blankRole(id: string): Role {
  return { id, name: id, description: '', scope: 'any', permissions: [], assignableRoles: [], builtIn: false, version: 0 };
}

export interface IdentityGuardInput extends CallerContext {
  /** The person whose sign-in is about to change; only their role assignments matter here. */
  target: { id: string; assignments: readonly Assignment[] };
}

const outranked = () =>
  new ForbiddenError('This person holds a role you could not give them, so you cannot change how they sign in', 'outranked');

/**
 * Whether the caller dominates the target: for every role the target holds
 * (now or from a future date; an expired assignment grants nothing and a
 * deleted role confers nothing), at its node, the caller could hand that role
 * out there under the delegation guard — every permission of it at that node,
 * or a role on the node's path whose assignableRoles lists it — and, for a
 * sensitive role, only in a session that passed 2FA. Without this, whoever can
 * change someone's email or send them a reset link could sign in as them and
 * use permissions nobody gave the caller.
 */
export function dominationGap(input: IdentityGuardInput): 'outranked' | 'mfa_required' | null {
  const { tree, roles } = input;
  const caller = compiledFor(input.caller, roles, tree);
  const ctx = { ...input, caller };
  const at = input.now.getTime();
  let needsMfa = false;
  for (const assignment of input.target.assignments) {
    if (assignment.validUntil !== undefined && Date.parse(assignment.validUntil) <= at) continue;
    const role = roles.get(assignment.roleId);
    if (!role) continue;
    const handed = delegationClosure(roles, role);
    const codes = handed.flatMap((r) => knownCodes(r.permissions));
    if (codes.length === 0) continue;
    const nodeId = tree.nodes.has(assignment.nodeId) ? assignment.nodeId : tree.rootId;
    // The caller could give this assignment as it stands: the role there (with all it lets its holder hand out), for as long as it lasts.
    const couldGive = (context: typeof ctx) => {
      const window = closureWindow(context, handed, nodeId);
      return window !== null && untilOf(assignment) <= window.until;
    };
    if (!input.callerMfa && codes.some(isSensitive)) {
      // "mfa_required" only where a 2FA session would help; otherwise the honest answer is outranked.
      if (!couldGive({ ...ctx, callerMfa: true })) return 'outranked';
      needsMfa = true;
      continue;
    }
    if (!couldGive(ctx)) return 'outranked';
  }
  return needsMfa ? 'mfa_required' : null;
}

/**
 * The identity guard (API.md): every action that changes how another person
 * signs in or whether they can — email, password reset, invitation re-send,
 * deactivate, activate, unlock, 2FA reset, and the bulk, CSV and MIS paths
 * that reuse them — needs, besides its own permission, that the caller
 * dominates the target (see dominationGap); else 403 `outranked`, or
 * `mfa_required` when only a 2FA session is missing. Acting on oneself is not
 * this guard's business: each route has its own rule for that.
 */
export function checkIdentityGuard(input: IdentityGuardInput): void {
  const callerId = input.caller instanceof CompiledPerson ? input.caller.person.id : input.caller.id;
  if (input.target.id === callerId) return;
  const gap = dominationGap(input);
  if (gap === 'outranked') throw outranked();
  if (gap === 'mfa_required') throw mfaRequired();
}

export interface CheckMoveInput extends CallerContext {
  /** The node being moved (its subtree follows it). */
  nodeId: string;
  /** Every role assignment anchored at a node the move puts above it (gainedAncestors), valid or not. */
  gained: readonly { roleId: string; nodeId: string; validFrom?: string; validUntil?: string }[];
}

/**
 * Moving a node is a grant: everyone holding a role at a node that becomes an
 * ancestor gains that role over the whole moved subtree. So, besides
 * org.manage at both ends (the route's rule), the caller must be able to hand
 * out each such role at the moved node under this guard: roles.assign there,
 * 2FA for sensitive roles, and either every permission of the role there or a
 * role on the path that lists it as assignable. Authority is judged on the
 * tree before the move, where the caller's own power over the subtree is the
 * power they really have. Future-dated and expired assignments count too (a
 * validity window can be extended later without another check), and a role
 * that no longer exists confers nothing. Returns nothing; refuses with 403
 * `escalation` (or `mfa_required`).
 */
export function checkMove(input: CheckMoveInput): void {
  const { tree, roles, nodeId } = input;
  const caller = compiledFor(input.caller, roles, tree);
  const ctx = { ...input, caller };
  let mayAssign: boolean | undefined;
  const windows = new Map<string, AuthorityWindow>();
  for (const gained of input.gained) {
    const role = roles.get(gained.roleId);
    if (!role) continue;
    const handed = delegationClosure(roles, role);
    const codes = handed.flatMap((r) => knownCodes(r.permissions));
    if (codes.length === 0 && role.assignableRoles.length === 0) continue;
    let window = windows.get(role.id);
    if (!window) {
      mayAssign ??= decide({ tree, roles, person: caller, permission: 'roles.assign', nodeId, mfa: input.callerMfa, now: input.now }).allowed;
      if (!mayAssign) throw escalation();
      if (!input.callerMfa && codes.some(isSensitive)) throw mfaRequired();
      window = closureWindow(ctx, handed, nodeId) ?? undefined;
      if (!window) throw escalation();
      windows.set(role.id, window);
    }
    // Each gained assignment is a grant over the subtree for as long as it lasts.
    if (!(untilOf(gained) <= window.until)) throw outlasts(window);
  }
}
