import type { Assignment, Membership } from '../access/model';
import type { Role } from '../access/roles';
import type { OrgTree } from '../org/tree';
import {
  formatRolesCell, formatSchoolsCell, fromCellDate, parseRolesCell, parseSchoolsCell, quoteCell, RoleCellError, untilCellDate, validFromFromCellDate, validUntilFromCellDate,
} from './csv-format';
import { mobileFromCell, type CellError, type CsvRow } from './import-file';

/**
 * One CSV row turned into what it asks for (names resolved to ids within the
 * trust) and compared with the person as they are: the pure half of the
 * import preview. Guards (reach, delegation, identity) are the functions
 * layer's, which asks the same code the single-user endpoints do.
 *
 * Read-only columns: `status`, `source`, `edited` and `lastSignInAt` are what
 * the export reports and are ignored on the way back (a spreadsheet reformats
 * dates; status changes have their own guarded endpoints). `userType` is
 * read for new people; on an existing person a different value is a cell
 * error (`read_only`), since ignoring it would let someone believe they made
 * a parent staff.
 */

/** A role entry of the `roles` cell, resolved. */
export interface WantedRole {
  roleId: string;
  nodeId: string;
  /** The start instant (from `from YYYY-MM-DD`). */
  validFrom?: string;
  /** The exclusive end instant (from `until YYYY-MM-DD`). */
  validUntil?: string;
}

/** What a row asks for; `undefined` fields leave things as they are. */
export interface RowIntent {
  line: number;
  id?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** null: no mobile. */
  mobile?: string | null;
  userType?: 'staff' | 'parent';
  /** Node ids of the `schools` cell ([] for `-`). */
  schools?: string[];
  primaryNodeId?: string;
  /** null: no job title on the primary membership. */
  jobTitle?: string | null;
  roles?: WantedRole[];
}

/** Node and role names of one trust, for reading cells. */
export interface NameIndex {
  nodes: Map<string, string[]>;
  roles: Map<string, string[]>;
  nodeName: (id: string) => string;
  roleName: (id: string) => string;
}

const fold = (name: string) => name.trim().toLowerCase();

export function nameIndex(tree: OrgTree, roles: ReadonlyMap<string, Role>): NameIndex {
  const group = <T extends { id: string; name: string }>(items: Iterable<T>) => {
    const map = new Map<string, string[]>();
    for (const item of items) map.set(fold(item.name), [...(map.get(fold(item.name)) ?? []), item.id]);
    return map;
  };
  return {
    nodes: group(tree.nodes.values()),
    roles: group(roles.values()),
    nodeName: (id) => tree.nodes.get(id)?.name ?? id,
    roleName: (id) => roles.get(id)?.name ?? id,
  };
}

function lookUp(map: Map<string, string[]>, name: string, what: string, column: string): { id: string } | { error: CellError } {
  const ids = map.get(fold(name)) ?? [];
  if (ids.length === 1) return { id: ids[0]! };
  if (ids.length === 0) return { error: { column, code: `unknown_${what}`, message: `No ${what} is called ${quoteCell(name)}` } };
  return { error: { column, code: `ambiguous_${what}`, message: `${ids.length} ${what}s are called ${quoteCell(name)}; rename one` } };
}

/** The row's cells as ids and values; errors name their column. */
export function resolveRow(row: CsvRow, names: NameIndex): { intent: RowIntent; errors: CellError[] } {
  const { cells } = row;
  const errors: CellError[] = [...row.errors];
  const intent: RowIntent = { line: row.line };
  if (cells.id) intent.id = cells.id;
  for (const field of ['firstName', 'lastName', 'email'] as const) {
    const value = cells[field];
    if (value === undefined) continue;
    if (value === '') errors.push({ column: field, code: 'required', message: `${field} is required` });
    else intent[field] = value;
  }
  if (cells.mobile !== undefined) {
    const mobile = mobileFromCell(cells.mobile);
    if ('error' in mobile) errors.push(mobile.error);
    else intent.mobile = mobile.mobile;
  }
  if (cells.userType) {
    const type = cells.userType.toLowerCase();
    if (type === 'staff' || type === 'parent') intent.userType = type;
    else errors.push({ column: 'userType', code: 'invalid_value', message: 'userType is staff or parent' });
  }
  if (cells.schools !== undefined) {
    const cell = parseSchoolsCell(cells.schools);
    if (cell.kind === 'clear') intent.schools = [];
    if (cell.kind === 'set') {
      const ids: string[] = [];
      for (const name of cell.items) {
        const found = lookUp(names.nodes, name, 'node', 'schools');
        if ('error' in found) errors.push(found.error);
        else if (!ids.includes(found.id)) ids.push(found.id);
      }
      intent.schools = ids;
    }
  }
  if (cells.primarySchool) {
    const found = lookUp(names.nodes, cells.primarySchool, 'node', 'primarySchool');
    if ('error' in found) errors.push(found.error);
    else intent.primaryNodeId = found.id;
  }
  if (cells.jobTitle !== undefined) intent.jobTitle = cells.jobTitle === '' ? null : cells.jobTitle;
  if (cells.roles !== undefined) {
    try {
      const cell = parseRolesCell(cells.roles);
      if (cell.kind === 'clear') intent.roles = [];
      if (cell.kind === 'set') {
        const wanted: WantedRole[] = [];
        for (const entry of cell.items) {
          const role = lookUp(names.roles, entry.roleName, 'role', 'roles');
          const node = lookUp(names.nodes, entry.nodeName, 'node', 'roles');
          if ('error' in role) errors.push(role.error);
          if ('error' in node) errors.push(node.error);
          if ('id' in role && 'id' in node) {
            wanted.push({
              roleId: role.id, nodeId: node.id,
              ...(entry.from ? { validFrom: validFromFromCellDate(entry.from) } : {}),
              ...(entry.until ? { validUntil: validUntilFromCellDate(entry.until) } : {}),
            });
          }
        }
        intent.roles = wanted;
      }
    } catch (error) {
      if (!(error instanceof RoleCellError)) throw error;
      errors.push({ column: 'roles', code: 'invalid_value', message: error.message });
    }
  }
  return { intent, errors };
}

/** A person as the planner compares against. */
export interface CurrentPerson {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string;
  userType: 'staff' | 'parent';
  memberships: readonly Membership[];
  assignments: readonly Assignment[];
}

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

/** The person as the row wants them, and what differs. */
export interface RowDesire {
  profile: { firstName: string; lastName: string; email: string; mobile?: string };
  memberships: Membership[];
  /** Current assignments the row takes away. */
  removeAssignments: Assignment[];
  /** Assignments the row gives (ids are made when the row is applied). */
  addAssignments: WantedRole[];
  changes: FieldChange[];
  errors: CellError[];
}

/**
 * Whether a held assignment is the one a cell entry names: the same end day,
 * and the same start day when the entry gives one. An entry without `from`
 * keeps whatever start is stored (an export read before the start was shown,
 * or the start left out): leaving it out never makes a grant begin sooner.
 */
const sameWindow = (assignment: Assignment, wanted: WantedRole) =>
  (assignment.validUntil === undefined ? undefined : untilCellDate(assignment.validUntil)) ===
    (wanted.validUntil === undefined ? undefined : untilCellDate(wanted.validUntil)) &&
  (wanted.validFrom === undefined || (assignment.validFrom !== undefined && fromCellDate(assignment.validFrom) === fromCellDate(wanted.validFrom)));

function rolesText(items: readonly { roleId: string; nodeId: string; validFrom?: string; validUntil?: string }[], names: NameIndex): string | null {
  if (items.length === 0) return null;
  return formatRolesCell(
    items.map((a) => ({
      roleName: names.roleName(a.roleId), nodeName: names.nodeName(a.nodeId),
      ...(a.validFrom ? { from: fromCellDate(a.validFrom) } : {}),
      ...(a.validUntil ? { until: untilCellDate(a.validUntil) } : {}),
    })),
  );
}

const schoolsText = (memberships: readonly Membership[], names: NameIndex) =>
  memberships.length === 0 ? null : formatSchoolsCell(memberships.map((m) => names.nodeName(m.nodeId)));

/**
 * The row against the person as they are (`current`; undefined for a new
 * person): the profile, memberships and roles it wants, and each changed
 * field from → to in the file's own words. `now` decides which assignments
 * have ended: an ended one is left alone unless the row names it.
 */
export function desiredPerson(intent: RowIntent, current: CurrentPerson | undefined, names: NameIndex, now: Date): RowDesire {
  const errors: CellError[] = [];
  const changes: FieldChange[] = [];
  const note = (field: string, from: string | null | undefined, to: string | null | undefined) => {
    if ((from ?? null) !== (to ?? null)) changes.push({ field, from: from ?? null, to: to ?? null });
  };
  if (!current) {
    for (const field of ['firstName', 'lastName', 'email', 'userType'] as const) {
      if (intent[field] === undefined) errors.push({ column: field, code: 'required', message: `${field} is required for a new person` });
    }
  } else if (intent.userType && intent.userType !== current.userType) {
    errors.push({ column: 'userType', code: 'read_only', message: `userType of an existing person cannot change here (${current.userType})` });
  }
  const profile = {
    firstName: intent.firstName ?? current?.firstName ?? '',
    lastName: intent.lastName ?? current?.lastName ?? '',
    email: intent.email ?? current?.email ?? '',
    ...((intent.mobile === undefined ? current?.mobile : intent.mobile) ? { mobile: (intent.mobile === undefined ? current?.mobile : intent.mobile)! } : {}),
  };
  note('firstName', current?.firstName, profile.firstName);
  note('lastName', current?.lastName, profile.lastName);
  // Emails compare as addresses: case is not a change.
  if ((current?.email.toLowerCase() ?? null) !== profile.email.toLowerCase()) note('email', current?.email, profile.email);
  else profile.email = current?.email ?? profile.email;
  note('mobile', current?.mobile, profile.mobile);
  if (!current && intent.userType) note('userType', null, intent.userType);

  // Memberships: the schools cell (or the current ones), plus the primary school if it is not among them.
  const before = current?.memberships ?? [];
  const nodeIds = intent.schools ?? before.map((m) => m.nodeId);
  if (intent.primaryNodeId && !nodeIds.includes(intent.primaryNodeId)) nodeIds.push(intent.primaryNodeId);
  const primaryId = intent.primaryNodeId ?? before.find((m) => m.primary && nodeIds.includes(m.nodeId))?.nodeId ?? nodeIds[0];
  const memberships = nodeIds.map((nodeId): Membership => {
    const existing = before.find((m) => m.nodeId === nodeId);
    const primary = nodeId === primaryId;
    const jobTitle = primary && intent.jobTitle !== undefined ? (intent.jobTitle ?? undefined) : existing?.jobTitle;
    return { nodeId, ...(jobTitle ? { jobTitle } : {}), primary, isManager: existing?.isManager ?? false };
  });
  const primaryBefore = before.find((m) => m.primary);
  const primaryAfter = memberships.find((m) => m.primary);
  const sameNodes = before.length === memberships.length && before.every((m) => nodeIds.includes(m.nodeId));
  if (!sameNodes) note('schools', schoolsText(before, names), schoolsText(memberships, names));
  note('primarySchool', primaryBefore && names.nodeName(primaryBefore.nodeId), primaryAfter && names.nodeName(primaryAfter.nodeId));
  note('jobTitle', primaryBefore?.jobTitle, primaryAfter?.jobTitle);

  // Roles: each wanted one kept when held with the same end date, else given; held ones not wanted taken away (ended ones left alone).
  const held = current?.assignments ?? [];
  let removeAssignments: Assignment[] = [];
  let addAssignments: WantedRole[] = [];
  if (intent.roles) {
    const kept = new Set<string>();
    for (const wanted of intent.roles) {
      const match = held.find((a) => !kept.has(a.id) && a.roleId === wanted.roleId && a.nodeId === wanted.nodeId && sameWindow(a, wanted));
      if (match) kept.add(match.id);
      else if (wanted.validUntil && Date.parse(wanted.validUntil) <= now.getTime()) {
        errors.push({ column: 'roles', code: 'until_past', message: `${names.roleName(wanted.roleId)}@${names.nodeName(wanted.nodeId)} would end in the past` });
      } else addAssignments.push(wanted);
    }
    const ended = (a: Assignment) => a.validUntil !== undefined && Date.parse(a.validUntil) <= now.getTime();
    removeAssignments = held.filter((a) => !kept.has(a.id) && !ended(a));
    if (removeAssignments.length > 0 || addAssignments.length > 0) {
      const live = held.filter((a) => !ended(a));
      const after = [...live.filter((a) => kept.has(a.id)), ...addAssignments];
      note('roles', rolesText(live, names), rolesText(after, names));
    }
  } else addAssignments = [];
  return { profile, memberships, removeAssignments, addAssignments, changes, errors };
}
