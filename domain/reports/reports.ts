import type { Assignment } from '../access/model';
import { grantIndex, grantKey, stampOf } from '../audit/grant';
import { catalogueIndex, permissionByCode } from '../access/permissions';
import type { Reach } from '../access/reach';
import type { Role } from '../access/roles';
import { formatRolesCell, formatSchoolsCell, LIST_SEPARATOR, untilCellDate } from '../directory/csv-format';
import { displayName } from '../identity/account';
import { listNodes, type OrgTree } from '../org/tree';
import type { ReportName, ReportParams } from './catalogue';
import { dormantAccountsReport, lockedAccountsReport, undeliverableEmailsReport } from './account-reports';
import {
  compareByName, compareText, DAY_MS, nodeName, personCells, reportResult, reportScope, roleName, treeOrder, visiblePeople,
  type AccessReviewData, type Cell, type LockedAccountsData, type ReportData, type ReportPerson, type ReportResult,
} from './model';

export { dormantAccountsReport, lockedAccountsReport, undeliverableEmailsReport, type DormantReason } from './account-reports';

/**
 * The reports of API.md as pure functions: (what the handler loaded, the
 * parsed params, the reader's reach of `reports.view`, now) → rows.
 *
 * The cut, the same in every report: the scope is the reach intersected with
 * the subtree of `params.nodeId` (reportScope). A person appears only when
 * `canSee(scope, person)`, the directory's own rule. A row about one role
 * assignment or membership appears only when its node is in the scope, even
 * when the person is visible through another placement: a cluster admin who
 * sees a teacher of their cluster must not learn from a report that the same
 * teacher is Head Teacher at a school of another cluster (the report names
 * nodes, roles and dates the reader administers nothing of). The same holds
 * for the `schools` and `roles` cells of the `users` report.
 */


type Validity = 'valid' | 'expired' | 'future';

/** Valid iff (!validFrom || validFrom <= now) && (!validUntil || now < validUntil), as the decision engine reads it. */
export function validity(assignment: Pick<Assignment, 'validFrom' | 'validUntil'>, now: Date): Validity {
  const at = now.getTime();
  if (assignment.validFrom && at < Date.parse(assignment.validFrom)) return 'future';
  if (assignment.validUntil && at >= Date.parse(assignment.validUntil)) return 'expired';
  return 'valid';
}

interface AssignmentRow {
  person: ReportPerson;
  assignment: Assignment;
}

/** Every (person, assignment) in the scope, in person order (name, id), then node in tree order, role name, assignment id. */
function assignmentsInScope(data: ReportData, scope: Reach, keep: (person: ReportPerson) => boolean): AssignmentRow[] {
  const position = treeOrder(data.tree);
  return visiblePeople(data.people, scope)
    .filter(keep)
    .sort(compareByName)
    .flatMap((person) =>
      person.assignments
        .filter((assignment) => scope.has(assignment.nodeId))
        .sort(
          (a, b) =>
            position(a.nodeId) - position(b.nodeId) ||
            compareText(roleName(data.roles, a.roleId), roleName(data.roles, b.roleId)) ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
        .map((assignment) => ({ person, assignment })),
    );
}

function sensitiveCodes(role: Role | undefined): { requiresMfa: string[]; reserved: string[] } {
  // A code the catalogue no longer lists grants nothing, so it is nothing to flag.
  const codes = [...new Set(role?.permissions ?? [])].filter((code) => permissionByCode.has(code)).sort((a, b) => catalogueIndex.get(a)! - catalogueIndex.get(b)!);
  return {
    requiresMfa: codes.filter((code) => permissionByCode.get(code)?.requiresMfa),
    reserved: codes.filter((code) => permissionByCode.get(code)?.reserved),
  };
}

const listOrNull = (codes: readonly string[]): string | null => (codes.length > 0 ? codes.join(LIST_SEPARATOR) : null);

/**
 * Rows of the users export (USER_CSV_COLUMNS): the export's cells, with only
 * the memberships and roles at nodes `shown` accepts. The export can pass
 * `() => true`; the report passes its scope. `schools` and `roles` list
 * nodes in tree order (then role name); `primarySchool`/`jobTitle` are the
 * primary membership's, when shown. Built once per report: the tree order is
 * computed once, not per row.
 */
export function userRows(tree: OrgTree, roles: ReadonlyMap<string, Role>): (person: ReportPerson, shown: (nodeId: string) => boolean) => Cell[] {
  const position = treeOrder(tree);
  return (person, shown) => {
    const memberships = person.memberships.filter((m) => shown(m.nodeId)).sort((a, b) => position(a.nodeId) - position(b.nodeId));
    const primary = memberships.find((m) => m.primary);
    const assignments = person.assignments
      .filter((a) => shown(a.nodeId))
      .map((a) => ({ a, roleName: roleName(roles, a.roleId) }))
      .sort((x, y) => position(x.a.nodeId) - position(y.a.nodeId) || compareText(x.roleName, y.roleName) || (x.a.id < y.a.id ? -1 : 1));
    return [
      person.id,
      person.firstName,
      person.lastName,
      person.email,
      person.mobile ?? null,
      person.userType,
      person.status,
      person.source,
      person.edited,
      primary ? nodeName(tree, primary.nodeId) : null,
      primary?.jobTitle ?? null,
      formatSchoolsCell(memberships.map((m) => nodeName(tree, m.nodeId))),
      formatRolesCell(
        assignments.map(({ a, roleName }) => ({
          roleName,
          nodeName: nodeName(tree, a.nodeId),
          ...(a.validUntil ? { until: untilCellDate(a.validUntil) } : {}),
        })),
      ),
      person.lastSignInAt ?? null,
    ];
  };
}

/**
 * `users`: the directory export's columns and cells, one row per person in
 * scope, inactive accounts left out (the export's default). Order: last
 * name, first name, id.
 */
export function usersReport(data: ReportData, params: ReportParams<'users'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const row = userRows(data.tree, data.roles);
  const shown = (nodeId: string) => scope.has(nodeId);
  const rows = visiblePeople(data.people, scope)
    .filter((person) => person.status !== 'inactive')
    .sort(compareByName)
    .map((person) => row(person, shown));
  return reportResult('users', rows, now);
}

/**
 * `access-review`: every person × role assignment × node in scope, whatever
 * the account's status (a leaver's roles are what an audit looks for) and
 * whatever the validity (`status` says valid, expired or future). grantedBy
 * and grantedAt come from the assignment's grant stamp (`stamps`, by person
 * and assignment id: domain/audit/grant.ts), else from its `role.assigned`
 * audit record among `grants` (matched by person and assignment id; then
 * `grantRecord` is `backfilled`); with neither they are null and
 * `grantRecord` says `missing`: a granter is never guessed.
 * grantedBy is the grantor's display name when known (among `people` or
 * `actorNames`), else their id, as GET /audit shows actor ids. The flags
 * list the role's permissions that need 2FA and those that are reserved.
 * Order: person (last name, first name, id), node in tree order, role name,
 * assignment id.
 */
export function accessReviewReport(data: AccessReviewData, params: ReportParams<'access-review'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const trail = grantIndex(data.grants);
  const names = new Map(data.people.map((person) => [person.id, displayName(person)]));
  const rows = assignmentsInScope(data, scope, () => true).map(({ person, assignment }): Cell[] => {
    const key = grantKey(person.id, assignment.id);
    const grant = data.stamps?.get(key) ?? stampOf(trail.get(key), 'backfilled');
    const by = grant.grantedBy;
    const { requiresMfa, reserved } = sensitiveCodes(data.roles.get(assignment.roleId));
    return [
      ...personCells(person),
      person.status,
      person.mfaEnabled,
      assignment.roleId,
      roleName(data.roles, assignment.roleId),
      assignment.nodeId,
      nodeName(data.tree, assignment.nodeId),
      assignment.validFrom ?? null,
      assignment.validUntil ?? null,
      validity(assignment, now),
      by ?? null,
      by !== undefined ? (names.get(by) ?? data.actorNames?.get(by) ?? by) : null,
      grant.grantedAt ?? null,
      grant.grantRecord,
      listOrNull(requiresMfa),
      listOrNull(reserved),
    ];
  });
  return reportResult('access-review', rows, now);
}

/**
 * `sensitive-access`: one row per role assignment in scope, valid now, of a
 * non-inactive account, whose role carries a permission that needs 2FA or is
 * reserved. `permissions` lists those codes; `missing2fa` is true when a
 * 2FA-only permission is held by someone without 2FA: it does not work for
 * them until they turn it on (and someone gave them a role they cannot use).
 * Order: as access-review.
 */
export function sensitiveAccessReport(data: ReportData, params: ReportParams<'sensitive-access'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const rows = assignmentsInScope(data, scope, (person) => person.status !== 'inactive').flatMap(({ person, assignment }): Cell[][] => {
    if (validity(assignment, now) !== 'valid') return [];
    const { requiresMfa, reserved } = sensitiveCodes(data.roles.get(assignment.roleId));
    const codes = [...new Set([...requiresMfa, ...reserved])].sort((a, b) => catalogueIndex.get(a)! - catalogueIndex.get(b)!);
    if (codes.length === 0) return [];
    return [[
      ...personCells(person),
      person.status,
      assignment.roleId,
      roleName(data.roles, assignment.roleId),
      assignment.nodeId,
      nodeName(data.tree, assignment.nodeId),
      codes.join(LIST_SEPARATOR),
      requiresMfa.length > 0,
      reserved.length > 0,
      person.mfaEnabled,
      requiresMfa.length > 0 && !person.mfaEnabled,
    ]];
  });
  return reportResult('sensitive-access', rows, now);
}

/**
 * `expiring-access`: role assignments in scope, of non-inactive accounts,
 * whose validUntil (exclusive) is after now and at most `withinDays` days
 * from now. `lastDay` is the last valid UTC day as the export prints it;
 * `daysLeft` rounds up. Order: validUntil (soonest first), then as
 * access-review.
 */
export function expiringAccessReport(data: ReportData, params: ReportParams<'expiring-access'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const at = now.getTime();
  const end = at + params.withinDays * DAY_MS;
  const rows = assignmentsInScope(data, scope, (person) => person.status !== 'inactive')
    .map((row, order) => ({ ...row, order, until: row.assignment.validUntil ? Date.parse(row.assignment.validUntil) : Number.NaN }))
    .filter(({ until }) => until > at && until <= end)
    .sort((a, b) => a.until - b.until || a.order - b.order)
    .map(({ person, assignment, until }): Cell[] => [
      ...personCells(person),
      person.status,
      assignment.roleId,
      roleName(data.roles, assignment.roleId),
      assignment.nodeId,
      nodeName(data.tree, assignment.nodeId),
      assignment.validFrom ?? null,
      assignment.validUntil!,
      untilCellDate(assignment.validUntil!),
      Math.ceil((until - at) / DAY_MS),
    ]);
  return reportResult('expiring-access', rows, now);
}


export interface SchoolManager {
  person: Pick<ReportPerson, 'id' | 'firstName' | 'lastName'>;
  jobTitle?: string;
  /** When they were placed at the school (ISO). */
  since?: string;
}

/**
 * A school's managers in the order GET /nodes/{id}/managers gives them: the
 * order they were placed there (the manager before the deputy they later
 * appointed), then last name, first name, id.
 */
export function orderManagers<M extends SchoolManager>(managers: readonly M[]): M[] {
  return [...managers].sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '') || compareByName(a.person, b.person));
}

/** The line funding documents print: "Jane Smith - Nursery Manager, John Doe - Deputy Manager". */
export function managersLine(managers: readonly SchoolManager[]): string {
  return managers.map((m) => (m.jobTitle ? `${displayName(m.person)} - ${m.jobTitle}` : displayName(m.person))).join(', ');
}

/**
 * `managers`: one row per school in scope, in tree order, with its managers
 * line (memberships with isManager of non-inactive accounts, in appointment
 * order, as GET /nodes/{id}/managers) and how many there are; a school
 * without managers has an empty line, so a missing one shows.
 */
export function managersReport(data: ReportData, params: ReportParams<'managers'>, reach: Reach, now: Date): ReportResult {
  const scope = reportScope(data.tree, reach, params.nodeId);
  const bySchool = new Map<string, SchoolManager[]>();
  for (const person of visiblePeople(data.people, scope)) {
    if (person.status === 'inactive') continue;
    for (const membership of person.memberships) {
      if (!membership.isManager || !scope.has(membership.nodeId)) continue;
      const list = bySchool.get(membership.nodeId) ?? [];
      list.push({ person, ...(membership.jobTitle ? { jobTitle: membership.jobTitle } : {}), ...(membership.since ? { since: membership.since } : {}) });
      bySchool.set(membership.nodeId, list);
    }
  }
  const rows = listNodes(data.tree)
    .filter((node) => node.kind === 'school' && scope.has(node.id))
    .map((node): Cell[] => {
      const managers = orderManagers(bySchool.get(node.id) ?? []);
      return [node.id, node.name, node.label ?? null, managersLine(managers), managers.length];
    });
  return reportResult('managers', rows, now);
}


/** What each report reads. */
export interface ReportDataByName {
  users: ReportData;
  'access-review': AccessReviewData;
  'sensitive-access': ReportData;
  'expiring-access': ReportData;
  'dormant-accounts': ReportData;
  'locked-accounts': LockedAccountsData;
  managers: ReportData;
  'undeliverable-emails': ReportData;
}

type ReportFn<N extends ReportName> = (data: ReportDataByName[N], params: ReportParams<N>, reach: Reach, now: Date) => ReportResult;

export const REPORTS: { readonly [N in ReportName]: ReportFn<N> } = {
  users: usersReport,
  'access-review': accessReviewReport,
  'sensitive-access': sensitiveAccessReport,
  'expiring-access': expiringAccessReport,
  'dormant-accounts': dormantAccountsReport,
  'locked-accounts': lockedAccountsReport,
  managers: managersReport,
  'undeliverable-emails': undeliverableEmailsReport,
};

/** Runs one report by name: what GET /reports/{name} and the reports job call. */
export function runReport<N extends ReportName>(name: N, data: ReportDataByName[N], params: ReportParams<N>, reach: Reach, now: Date): ReportResult {
  const run = REPORTS[name] as ReportFn<N>;
  return run(data, params, reach, now);
}
