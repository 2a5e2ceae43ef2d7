/**
 * One row of the users CSV (API.md: `id,firstName,…,lastSignInAt`) from a
 * directory entry, every cell made formula-safe. Names of nodes and roles
 * come from the trust's tree and roles; one that no longer resolves shows its
 * id, so a row never loses a placement.
 */
import type { DirectoryEntry } from './directory-index';
import { formatRolesCell, formatSchoolsCell, formulaSafe, fromCellDate, untilCellDate, USER_CSV_COLUMNS, type UserCsvColumn } from './csv-format';

export interface NameLookup {
  nodeName(nodeId: string): string | undefined;
  roleName(roleId: string): string | undefined;
}

export function exportRow(entry: DirectoryEntry, names: NameLookup): string[] {
  const node = (id: string) => names.nodeName(id) ?? id;
  const cells: Record<UserCsvColumn, string> = {
    id: entry.id,
    firstName: entry.firstName,
    lastName: entry.lastName,
    email: entry.email,
    mobile: entry.mobile ?? '',
    userType: entry.userType,
    status: entry.status,
    source: entry.source,
    edited: String(entry.edited),
    primarySchool: entry.primaryNodeId ? node(entry.primaryNodeId) : '',
    jobTitle: entry.jobTitle ?? '',
    schools: formatSchoolsCell(entry.memberOf.map(node)),
    roles: formatRolesCell(
      entry.roles.map((role) => ({
        roleName: names.roleName(role.roleId) ?? role.roleId,
        nodeName: node(role.nodeId),
        // The start is known for people whose summary is in full form (≤ SUMMARY_DETAIL_MAX_ROLES roles, summary.ts).
        ...(role.validFrom ? { from: fromCellDate(role.validFrom) } : {}),
        ...(role.validUntil ? { until: untilCellDate(role.validUntil) } : {}),
      })),
    ),
    lastSignInAt: entry.lastSignInAt ?? '',
  };
  return USER_CSV_COLUMNS.map((column) => formulaSafe(cells[column]));
}
