import { checkAssign, checkUnassign } from '../../domain/access/delegation';
import { windowOf } from '../../domain/access/grant-window';
import { membershipDiff } from '../../domain/access/memberships';
import { canSee, type Reach } from '../../domain/access/reach';
import { desiredPerson, type FieldChange, type NameIndex, type RowDesire, type RowIntent } from '../../domain/directory/import-plan';
import { UNREAD_CELL_CODES, type CellError } from '../../domain/directory/import-file';
import { DomainError } from '../../domain/errors';
import type { PersonRecord } from '../adapters/dynamo/person-repository';
import type { Caller } from '../http/caller';
import { authorize, reach } from '../shared/authorize';
import { refuseSelfChange } from '../shared/identity-guard';
import { checkNewPerson, type NewPersonBody } from './new-person';
import { planProfileEdit, type ProfileEditPlan, type ProfilePatch } from './profile-edit';
import { createUserBodySchema, updateUserBodySchema } from './user.schema';

/**
 * One import row through the rules of the single-user endpoints: the same
 * functions POST /users, PATCH /users/{id}, PUT/DELETE memberships and
 * POST/DELETE roles ask, each refusal turned into an error on the row's
 * column instead of a response. Used at preview and again at apply, against
 * the person and the importer's rights as they are then.
 */

export type RowAction = 'create' | 'update' | 'unchanged' | 'error';

/** A row as the plan stores it. */
export interface PlannedRow {
  line: number;
  action: RowAction;
  userId?: string;
  /** The person's version the row was planned on (updates). */
  version?: number;
  changes: FieldChange[];
  /** At most MAX_ROW_ERRORS, each message at most MAX_ERROR_MESSAGE_CHARS. */
  errors: CellError[];
  /** How many more errors the row had than it lists. */
  errorsOmitted?: number;
  intent: RowIntent;
}

/** A row lists at most this many errors (a cell naming 600 unknown schools is 600 errors): the rest are counted in `errorsOmitted`. */
export const MAX_ROW_ERRORS = 10;
/** An error message is cut to this many characters (they quote names and at most a short prefix of a cell). */
export const MAX_ERROR_MESSAGE_CHARS = 200;

/**
 * The most placements and roles a row may change at once, so its person's
 * transaction stays under DynamoDB's 100 items: a change costs at most 4
 * (the item, its node and role counters, its audit record), 15 × 4 = 60,
 * plus one last-admin witness (≤ 3 checks, shared by every removal), the
 * profile, the email move (2), the profile's audit record, the trust-version
 * check, the row's two progress items, the outbox item of a sensitive grant
 * and the check of the importer's own profile (person-writes.ts ActingAs):
 * at most 72.
 */
export const MAX_ROW_CHANGES = 15;

const NOT_IN_REACH: CellError = { column: 'id', code: 'not_found', message: 'No person with this id in your reach' };
export const EMAIL_TAKEN: CellError = { column: 'email', code: 'email_taken', message: 'This email already has an account' };

/** Runs a guard; a domain refusal becomes an error on `column`. */
function guard(errors: CellError[], column: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    errors.push({ column, code: error.code, message: error.message });
  }
}

/** Zod issues of a body built from the row, on the row's columns. */
function schemaErrors(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): CellError[] {
  if (result.success) return [];
  return (result.error?.issues ?? []).map((issue) => {
    const [first] = issue.path.map(String);
    const column = first === 'memberships' ? 'schools' : first === 'roles' ? 'roles' : (first ?? '*');
    return { column, code: 'invalid_value', message: issue.message };
  });
}

/** Whether the importer may edit this person at all (reach of users.edit; oneself always, as PATCH allows). */
export function inEditReach(caller: Caller, record: PersonRecord): boolean {
  if (record.account.id === caller.account.id) return true;
  const scope = editReachOf(caller);
  return scope !== null && canSee(scope, record.person);
}

/** The caller's reach of users.edit, worked out once per caller (a file has up to 10,000 rows); null when refused (mfa_required). */
const editReach = new WeakMap<Caller, Reach | null>();
function editReachOf(caller: Caller): Reach | null {
  if (!editReach.has(caller)) {
    try {
      editReach.set(caller, reach(caller, 'users.edit'));
    } catch {
      editReach.set(caller, null);
    }
  }
  return editReach.get(caller)!;
}

/** The body POST /users would get for a new person's row. */
export function newPersonBody(desire: RowDesire, intent: RowIntent): NewPersonBody {
  return {
    firstName: desire.profile.firstName,
    lastName: desire.profile.lastName,
    email: desire.profile.email,
    ...(desire.profile.mobile ? { mobile: desire.profile.mobile } : {}),
    userType: intent.userType ?? 'staff',
    memberships: desire.memberships.map((m) => ({ nodeId: m.nodeId, ...(m.jobTitle ? { jobTitle: m.jobTitle } : {}), primary: m.primary, isManager: m.isManager })),
    roles: desire.addAssignments.map((r) => ({ roleId: r.roleId, nodeId: r.nodeId, ...(r.validFrom ? { validFrom: r.validFrom } : {}), ...(r.validUntil ? { validUntil: r.validUntil } : {}) })),
    invite: true,
  };
}

/** A new person's row: the checks of POST /users. */
export function checkCreateRow(caller: Caller, desire: RowDesire, intent: RowIntent): { errors: CellError[]; body?: NewPersonBody } {
  const errors = [...desire.errors];
  const parsed = createUserBodySchema.safeParse(newPersonBody(desire, intent));
  errors.push(...schemaErrors(parsed));
  if (errors.length > 0 || !parsed.success) return { errors };
  try {
    checkNewPerson(caller, parsed.data);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // users.create where the person is placed is about the schools; every other refusal is about a role.
    errors.push({ column: error.code === 'forbidden' ? 'schools' : 'roles', code: error.code, message: error.message });
  }
  return errors.length > 0 ? { errors } : { errors, body: parsed.data };
}

export interface UpdateCheck {
  errors: CellError[];
  profile?: ProfileEditPlan;
}

/**
 * An existing person's row: reach of users.edit, the profile rules of PATCH
 * (names; an email through the self-change rule and the identity guard), each
 * placement added, changed or removed as PUT/DELETE memberships would
 * (users.edit at the node, never oneself), each role given or taken as
 * POST/DELETE roles would (the delegation guard, never oneself).
 */
export function checkUpdateRow(caller: Caller, record: PersonRecord, desire: RowDesire): UpdateCheck {
  if (!inEditReach(caller, record)) return { errors: [NOT_IN_REACH] };
  const errors = [...desire.errors];
  const { account, person } = record;
  const userId = account.id;
  const patch: ProfilePatch = {};
  for (const change of desire.changes) {
    if (change.field === 'firstName' || change.field === 'lastName' || change.field === 'email') patch[change.field] = change.to ?? undefined;
    if (change.field === 'mobile') patch.mobile = change.to;
  }
  let profile: ProfileEditPlan | undefined;
  if (Object.keys(patch).length > 0) {
    errors.push(...schemaErrors(updateUserBodySchema.safeParse(patch)));
    guard(errors, 'email', () => (profile = planProfileEdit(caller, record, patch)));
  }
  const { added, changed, removed } = membershipDiff(person.memberships, desire.memberships);
  const placements: [string, string[]][] = [
    ['schools', [...added, ...removed].map((m) => m.nodeId)],
    ['primarySchool', changed.map((m) => m.nodeId)],
  ];
  for (const [column, nodeIds] of placements) {
    for (const nodeId of nodeIds) {
      guard(errors, column, () => {
        refuseSelfChange(caller, userId, 'memberships');
        authorize(caller, 'users.edit', caller.context.tree.nodes.has(nodeId) ? nodeId : caller.trust.rootNodeId);
      });
    }
  }
  const { tree, roles } = caller.context;
  const common = { tree, roles, caller: caller.compiled, callerMfa: caller.mfa, now: new Date() };
  for (const assignment of desire.removeAssignments) {
    guard(errors, 'roles', () => {
      refuseSelfChange(caller, userId, 'roles');
      checkUnassign({ ...common, assignment });
    });
  }
  for (const wanted of desire.addAssignments) {
    guard(errors, 'roles', () => {
      refuseSelfChange(caller, userId, 'roles');
      checkAssign({ ...common, target: { ...person, memberships: desire.memberships }, roleId: wanted.roleId, nodeId: wanted.nodeId, ...windowOf(wanted), policy: caller.trust.policies });
    });
  }
  const size = added.length + changed.length + removed.length + desire.addAssignments.length + desire.removeAssignments.length;
  if (size > MAX_ROW_CHANGES) errors.push({ column: '*', code: 'too_many_changes', message: `A row changes at most ${MAX_ROW_CHANGES} placements and roles at once` });
  return profile ? { errors, profile } : { errors };
}

/** Dedupes errors (a guard refusing every entry of a cell says so once). */
export function uniqueErrors(errors: CellError[]): CellError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.column}|${e.code}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The row's errors as the plan keeps them: the reading's own (`pre`) first;
 * a cell the import did not read (too long, control characters) is not
 * reported again by the checks that then miss it; deduped, cut to
 * MAX_ROW_ERRORS with the rest counted, each message cut short.
 */
export function rowErrors(pre: CellError[], later: CellError[]): { errors: CellError[]; errorsOmitted?: number } {
  const unread = new Set(pre.filter((e) => UNREAD_CELL_CODES.has(e.code)).map((e) => e.column));
  const all = uniqueErrors([...pre, ...later.filter((e) => !unread.has(e.column))]);
  const errors = all.slice(0, MAX_ROW_ERRORS).map((e) =>
    e.message.length > MAX_ERROR_MESSAGE_CHARS ? { ...e, message: `${e.message.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` } : e,
  );
  return all.length > MAX_ROW_ERRORS ? { errors, errorsOmitted: all.length - MAX_ROW_ERRORS } : { errors };
}

/** The row against the person, checked: its action, changes and errors (pure but for the guards' reads of the caller). */
export function planRow(caller: Caller, intent: RowIntent, record: PersonRecord | undefined, names: NameIndex, preErrors: CellError[]): PlannedRow & { check?: UpdateCheck; body?: NewPersonBody; desire: RowDesire } {
  const current = record && {
    ...record.account, memberships: record.person.memberships, assignments: record.person.assignments,
  };
  const desire = desiredPerson(intent, current, names, new Date());
  const base = { line: intent.line, intent, changes: desire.changes, desire };
  if (!record) {
    const { errors, body } = checkCreateRow(caller, desire, intent);
    const all = rowErrors(preErrors, errors);
    return all.errors.length > 0 ? { ...base, action: 'error', ...all } : { ...base, action: 'create', errors: [], ...(body ? { body } : {}) };
  }
  const check = checkUpdateRow(caller, record, desire);
  // A person outside reach is not named: no id, no changes, and the row reads as an unknown id does.
  if (check.errors.some((e) => e.code === 'not_found' && e.column === 'id')) return { ...base, changes: [], action: 'error', errors: [NOT_IN_REACH] };
  const all = rowErrors(preErrors, check.errors);
  const ids = { userId: record.account.id, version: record.account.version };
  if (all.errors.length > 0) return { ...base, ...ids, action: 'error', ...all };
  return { ...base, ...ids, action: desire.changes.length > 0 ? 'update' : 'unchanged', errors: [], check };
}
