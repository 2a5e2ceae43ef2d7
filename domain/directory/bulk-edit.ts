import type { Assignment, Membership, Person } from '../access/model';
import { removeMembership, upsertMembership } from '../access/memberships';
import type { Role } from '../access/roles';
import { ConflictError, DomainError, type FieldError } from '../errors';
import type { Account } from '../identity/account';
import { auditNodeOf, planActivate, planDeactivate, UNCHANGED, type AccountChange } from '../identity/lifecycle';

/**
 * POST /users/bulk: the same actions as the single-user routes, applied to
 * many people, each person all or nothing. This module plans one person's
 * edit against their current record; the authority checks are the single
 * routes' own (passed in as `BulkGuards`), so a bulk request can never do
 * what the single route would refuse.
 */

export type BulkAction =
  | { op: 'addRole'; roleId: string; nodeId: string; validFrom?: string; validUntil?: string }
  | { op: 'removeRole'; roleId: string; nodeId: string }
  | { op: 'addMembership'; nodeId: string; jobTitle?: string; isManager?: boolean }
  | { op: 'removeMembership'; nodeId: string }
  | { op: 'deactivate' }
  | { op: 'activate' }
  | { op: 'resendInvitation' };

/** People per request (API.md). */
export const MAX_BULK_USERS = 500;

/**
 * Store items one action can add to a person's transaction, at most: a
 * membership removal deletes the item, moves the primary to another
 * membership, touches the node counter and writes an audit record; a role
 * grant writes the assignment, the node and role counters and an audit record.
 */
export const MAX_ITEMS_PER_ACTION = 4;
/**
 * Items of a person's transaction whatever the actions: the profile, the
 * trust-version check of a grant, a last-admin witness (3 checks), the check
 * of the caller's own profile (person-writes.ts ActingAs).
 */
export const FIXED_ITEMS_PER_PERSON = 6;
/**
 * Actions per request: 6 + 4 × 20 = 86 items, and the person's one outbox
 * item (a sensitive grant's event): 87, under DynamoDB's 100 per
 * transaction, so one person's change always fits in one transaction.
 */
export const MAX_BULK_ACTIONS = 20;

/**
 * Actions that contradict each other or repeat, which a request may not
 * combine (400 naming the action): adding and removing the same role at the
 * same node, placing and removing at the same node, deactivating and
 * activating, deactivating and re-sending the invitation (an inactive account
 * takes none), and any action twice.
 */
export function bulkActionProblems(actions: readonly BulkAction[]): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Map<string, number>();
  const sides = new Map<string, Partial<Record<'do' | 'undo', number>>>();
  actions.forEach((action, index) => {
    const path = `actions.${index}`;
    const key = JSON.stringify(action, Object.keys(action).sort());
    if (seen.has(key)) problems.push({ path, message: `repeats actions.${seen.get(key)}` });
    else seen.set(key, index);
    const [subject, side] = subjectOf(action);
    const entry = sides.get(subject) ?? {};
    const other = entry[side === 'do' ? 'undo' : 'do'];
    if (other !== undefined) problems.push({ path, message: `contradicts actions.${other}` });
    entry[side] ??= index;
    sides.set(subject, entry);
  });
  if (actions.some((a) => a.op === 'deactivate') && actions.some((a) => a.op === 'resendInvitation')) {
    problems.push({ path: `actions.${actions.findIndex((a) => a.op === 'resendInvitation')}`, message: 'an account being deactivated takes no invitation' });
  }
  return problems;
}

/** What an action changes and in which direction: a request may not do and undo the same thing. */
function subjectOf(action: BulkAction): [string, 'do' | 'undo'] {
  switch (action.op) {
    case 'addRole':
      return [`role ${action.roleId} ${action.nodeId}`, 'do'];
    case 'removeRole':
      return [`role ${action.roleId} ${action.nodeId}`, 'undo'];
    case 'addMembership':
      return [`place ${action.nodeId}`, 'do'];
    case 'removeMembership':
      return [`place ${action.nodeId}`, 'undo'];
    case 'activate':
      return ['status', 'do'];
    case 'deactivate':
      return ['status', 'undo'];
    case 'resendInvitation':
      return ['invitation', 'do'];
  }
}

/**
 * The authority checks of the single-user routes, one per kind of action;
 * each throws the domain error that route would answer (self_change,
 * not_found outside the reach of the action's permission, forbidden,
 * escalation, outranked, …). Implemented in functions/users/bulk-guards.ts.
 */
export interface BulkGuards {
  /** POST /users/{id}/roles; returns the role granted. */
  addRole(person: Person, action: Extract<BulkAction, { op: 'addRole' }>): Role;
  /** DELETE /users/{id}/roles/{assignmentId}, for the role at that node: each of `matching` (the assignments it takes away) judged with its end. */
  removeRole(person: Person, action: Extract<BulkAction, { op: 'removeRole' }>, matching: readonly Assignment[]): void;
  /** PUT / DELETE /users/{id}/memberships/{nodeId}. */
  placement(person: Person, nodeId: string, change: 'add' | 'remove'): void;
  /** Deactivate, activate (users.deactivate) and the invitation (users.create): the permission's reach and the identity guard. */
  signIn(person: Person, permission: 'users.deactivate' | 'users.create'): void;
}

/** A refusal of one action of a person's edit: the person's result names it. */
export class ActionRefusedError extends Error {
  constructor(
    readonly action: number,
    readonly refusal: DomainError,
  ) {
    super(refusal.message, { cause: refusal });
    this.name = 'ActionRefusedError';
  }
}

export interface AuditEntry {
  action: string;
  nodeId: string | null;
  before?: unknown;
  after?: unknown;
}

export interface PersonEditPlan {
  /** Whether anything would be written (false: the person is already as asked). */
  changed: boolean;
  memberships: Membership[];
  membershipsSince: Map<string, string>;
  granted: { assignment: Assignment; role: Role }[];
  /** Assignments taken away, with the index of the action that took each. */
  removed: { assignment: Assignment; action: number }[];
  /** Profile fields to set and remove (status, sessions cut-off, …), merged over the account actions. */
  account: Pick<AccountChange, 'set' | 'remove'> | null;
  /** The index of the deactivate action, when it changes the status. */
  deactivated?: number;
  /** The index of the activate action, when it changes the status. */
  activated?: number;
  /** The index of resendInvitation: a new link is issued (older ones void) and emailed. */
  invited?: number;
  audit: AuditEntry[];
}

export interface PlanPersonEditInput {
  account: Account;
  person: Person;
  membershipsSince: ReadonlyMap<string, string>;
  actions: readonly BulkAction[];
  guards: BulkGuards;
  actorId: string;
  now: Date;
  newId: () => string;
  /** When a link issued now stops working (the invitation audit records it). */
  invitationValidUntil: string;
}

/** The same instant, or both unset: times are compared as instants, since a window stored before inputs were normalised to UTC may carry an offset. */
const sameInstant = (a: string | undefined, b: string | undefined) => a === b || (a !== undefined && b !== undefined && Date.parse(a) === Date.parse(b));
const sameWindow = (a: Assignment, b: { validFrom?: string; validUntil?: string }) =>
  sameInstant(a.validFrom, b.validFrom) && sameInstant(a.validUntil, b.validUntil);

/**
 * One person's edit: the actions in order, each checked by its route's guard
 * against the person as the earlier actions left them (exactly as calling the
 * single routes one after the other would), each a no-op when the person is
 * already as asked, so repeating a request changes nothing more. The first
 * refusal refuses the whole person (ActionRefusedError with its index).
 */
export function planPersonEdit(input: PlanPersonEditInput): PersonEditPlan {
  const { guards, now } = input;
  const at = now.toISOString();
  let account: Account = input.account;
  const person: Person = { ...input.person, memberships: [...input.person.memberships], assignments: [...input.person.assignments] };
  const since = new Map(input.membershipsSince);
  const auditNode = auditNodeOf(input.person);
  const plan: PersonEditPlan = { changed: false, memberships: person.memberships, membershipsSince: since, granted: [], removed: [], account: null, audit: [] };

  const transition = (change: AccountChange) => {
    plan.account ??= { set: {}, remove: [] };
    Object.assign(plan.account.set, change.set);
    plan.account.remove = [...new Set([...plan.account.remove, ...change.remove])].filter((field) => !(field in change.set));
    const next: Account = { ...account, ...change.set };
    for (const field of change.remove) delete next[field];
    account = next;
    person.status = next.status;
    plan.audit.push({ action: change.action, nodeId: auditNode, before: change.before, after: change.after });
  };

  input.actions.forEach((action, index) => {
    try {
      switch (action.op) {
        case 'addRole': {
          const role = guards.addRole(person, action);
          if (person.assignments.some((a) => a.roleId === action.roleId && a.nodeId === action.nodeId && sameWindow(a, action))) return;
          const { op: _op, ...fields } = action;
          const assignment: Assignment = { id: input.newId(), ...fields };
          person.assignments.push(assignment);
          plan.granted.push({ assignment, role });
          plan.audit.push({ action: 'role.assigned', nodeId: action.nodeId, after: { ...assignment, roleName: role.name } });
          return;
        }
        case 'removeRole': {
          const matching = person.assignments.filter((a) => a.roleId === action.roleId && a.nodeId === action.nodeId);
          guards.removeRole(person, action, matching);
          for (const assignment of matching) {
            person.assignments.splice(person.assignments.indexOf(assignment), 1);
            const grantedHere = plan.granted.findIndex((g) => g.assignment.id === assignment.id);
            if (grantedHere >= 0) plan.granted.splice(grantedHere, 1);
            else plan.removed.push({ assignment, action: index });
            plan.audit.push({ action: 'role.removed', nodeId: assignment.nodeId, before: assignment });
          }
          return;
        }
        case 'addMembership': {
          guards.placement(person, action.nodeId, 'add');
          const before = person.memberships.find((m) => m.nodeId === action.nodeId) ?? null;
          const after = upsertMembership(person.memberships, action.nodeId, { jobTitle: action.jobTitle, isManager: action.isManager });
          const placed = after.find((m) => m.nodeId === action.nodeId)!;
          if (before && JSON.stringify(before) === JSON.stringify(placed)) return;
          if (!before) since.set(action.nodeId, at);
          person.memberships = after;
          plan.memberships = after;
          plan.audit.push({ action: before ? 'membership.updated' : 'membership.added', nodeId: action.nodeId, before, after: placed });
          return;
        }
        case 'removeMembership': {
          guards.placement(person, action.nodeId, 'remove');
          const before = person.memberships.find((m) => m.nodeId === action.nodeId);
          if (!before) return;
          person.memberships = removeMembership(person.memberships, action.nodeId, since);
          plan.memberships = person.memberships;
          plan.audit.push({ action: 'membership.removed', nodeId: action.nodeId, before });
          return;
        }
        case 'deactivate': {
          guards.signIn(person, 'users.deactivate');
          const change = planDeactivate(account, input.actorId, now);
          if (change === UNCHANGED) return;
          transition(change);
          plan.deactivated = index;
          return;
        }
        case 'activate': {
          guards.signIn(person, 'users.deactivate');
          const change = planActivate(account);
          if (change === UNCHANGED) return;
          transition(change);
          plan.activated = index;
          return;
        }
        case 'resendInvitation': {
          guards.signIn(person, 'users.create');
          if (account.status !== 'invited') throw new ConflictError('not_invited', 'Only invited accounts get invitations');
          plan.invited = index;
          plan.audit.push({ action: 'user.invited', nodeId: null, after: { validUntil: input.invitationValidUntil } });
          return;
        }
      }
    } catch (error) {
      if (error instanceof DomainError) throw new ActionRefusedError(index, error);
      throw error;
    }
  });
  plan.changed = plan.audit.length > 0;
  return plan;
}
