/**
 * The users CSV of API.md ("Directory, bulk edit and the CSV round trip"):
 * the export writes it and the import reads it back, so both sides of every
 * cell rule live here. Reading and writing the CSV itself (quoting,
 * separators, BOM) is `csv-stringify` / `csv-parse`; this module is only what
 * goes in a cell.
 */

/** The export's columns, in order; the import matches them case-insensitively. */
export const USER_CSV_COLUMNS = [
  'id', 'firstName', 'lastName', 'email', 'mobile', 'userType', 'status', 'source', 'edited',
  'primarySchool', 'jobTitle', 'schools', 'roles', 'lastSignInAt',
] as const;
export type UserCsvColumn = (typeof USER_CSV_COLUMNS)[number];

/** Separator between names in the `schools` and `roles` cells. */
export const LIST_SEPARATOR = '; ';

/** What a spreadsheet would run as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell a spreadsheet shows as text: one that starts with `=`, `+`, `-`,
 * `@`, tab or CR gets a leading `'`, so opening the export never runs a
 * formula someone typed into a name.
 */
export function formulaSafe(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** The cell as it was before `formulaSafe`: the `'` the export added comes off again. */
export function fromFormulaSafe(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** How much of a cell a message quotes back: a short prefix, so an answer never echoes a whole file. */
export const QUOTED_CELL_CHARS = 40;

/** A cell as a message quotes it: at most QUOTED_CELL_CHARS characters, control characters shown as `?`. */
export function quoteCell(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return `"${clean.length > QUOTED_CELL_CHARS ? `${clean.slice(0, QUOTED_CELL_CHARS)}…` : clean}"`;
}

/** One role in the `roles` cell: `Role Name@Node Name`, or `Role Name@Node Name until 2027-07-31`. */
export interface RoleCell {
  roleName: string;
  nodeName: string;
  /** The last day the role is valid (UTC date), when it has an end. */
  until?: string;
}

/** A `schools` or `roles` cell read back: empty leaves things as they are, `-` removes all. */
export type ListCell<T> = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; items: T[] };

const DAY_MS = 86_400_000;
const UNTIL = / until (\d{4}-\d{2}-\d{2})$/;

/**
 * The date shown for an assignment's `validUntil` (exclusive instant): the
 * last UTC day on which it is still valid, so `until 2027-07-31` means
 * "through the 31st".
 */
export function untilCellDate(validUntil: string): string {
  return new Date(Date.parse(validUntil) - 1).toISOString().slice(0, 10);
}

/** The `validUntil` instant a cell's `until <date>` stands for: the start of the next UTC day. */
export function validUntilFromCellDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString();
}

export function formatRolesCell(roles: readonly RoleCell[]): string {
  return roles.map((r) => `${r.roleName}@${r.nodeName}${r.until ? ` until ${r.until}` : ''}`).join(LIST_SEPARATOR);
}

export function formatSchoolsCell(nodeNames: readonly string[]): string {
  return nodeNames.join(LIST_SEPARATOR);
}

function listCell<T>(cell: string, item: (part: string) => T): ListCell<T> {
  const text = cell.trim();
  if (text === '') return { kind: 'keep' };
  if (text === '-') return { kind: 'clear' };
  const parts = text.split(';').map((part) => part.trim()).filter((part) => part !== '');
  return { kind: 'set', items: parts.map(item) };
}

export function parseSchoolsCell(cell: string): ListCell<string> {
  return listCell(cell, (part) => part);
}

/** A role entry that cannot be read; the import reports it as that cell's error. */
export class RoleCellError extends Error {
  constructor(readonly part: string) {
    super(`${quoteCell(part)} is not "Role Name@Node Name" or "Role Name@Node Name until YYYY-MM-DD"`);
    this.name = 'RoleCellError';
  }
}

/**
 * Reads a `roles` cell. The node name is after the last `@` (school names
 * rarely carry one; role names might); a trailing ` until YYYY-MM-DD` is the
 * end date. Throws RoleCellError naming the entry that cannot be read.
 */
export function parseRolesCell(cell: string): ListCell<RoleCell> {
  return listCell(cell, (part) => {
    const until = UNTIL.exec(part);
    const body = until ? part.slice(0, until.index) : part;
    const at = body.lastIndexOf('@');
    const roleName = body.slice(0, at).trim();
    const nodeName = body.slice(at + 1).trim();
    if (at < 0 || roleName === '' || nodeName === '') throw new RoleCellError(part);
    if (until && Number.isNaN(Date.parse(`${until[1]}T00:00:00.000Z`))) throw new RoleCellError(part);
    return until ? { roleName, nodeName, until: until[1]! } : { roleName, nodeName };
  });
}
