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

/**
 * One role in the `roles` cell: `Role Name@Node Name`, with its window when it
 * has one: `… from 2027-09-01`, `… until 2027-07-31`, `… from 2027-09-01 until
 * 2028-07-31` (a grant that has not begun must not read as current).
 */
export interface RoleCell {
  roleName: string;
  nodeName: string;
  /** The UTC day the role starts, when it has a start. */
  from?: string;
  /** The last day the role is valid (UTC date), when it has an end. */
  until?: string;
}

/** A `schools` or `roles` cell read back: empty leaves things as they are, `-` removes all. */
export type ListCell<T> = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; items: T[] };

const DAY_MS = 86_400_000;
const UNTIL = / until (\d{4}-\d{2}-\d{2})$/;
const FROM = / from (\d{4}-\d{2}-\d{2})$/;

/** A real UTC day (not 2027-02-30, which Date.parse would read as 2 March). */
function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/** The date shown for an assignment's `validFrom` (inclusive instant): its UTC day. */
export function fromCellDate(validFrom: string): string {
  return new Date(Date.parse(validFrom)).toISOString().slice(0, 10);
}

/** The `validFrom` instant a cell's `from <date>` stands for: the start of that UTC day. */
export function validFromFromCellDate(date: string): string {
  return `${date}T00:00:00.000Z`;
}

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
  return roles.map((r) => `${r.roleName}@${r.nodeName}${r.from ? ` from ${r.from}` : ''}${r.until ? ` until ${r.until}` : ''}`).join(LIST_SEPARATOR);
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
    super(`${quoteCell(part)} is not "Role Name@Node Name", optionally followed by " from YYYY-MM-DD" and " until YYYY-MM-DD"`);
    this.name = 'RoleCellError';
  }
}

/**
 * Reads a `roles` cell. The node name is after the last `@` (school names
 * rarely carry one; role names might); a trailing ` until YYYY-MM-DD` is the
 * end date, a ` from YYYY-MM-DD` before it (or trailing) the start. Throws RoleCellError naming the entry that cannot be read.
 */
export function parseRolesCell(cell: string): ListCell<RoleCell> {
  return listCell(cell, (part) => {
    const until = UNTIL.exec(part);
    const rest = until ? part.slice(0, until.index) : part;
    const from = FROM.exec(rest);
    const body = from ? rest.slice(0, from.index) : rest;
    const at = body.lastIndexOf('@');
    const roleName = body.slice(0, at).trim();
    const nodeName = body.slice(at + 1).trim();
    if (at < 0 || roleName === '' || nodeName === '') throw new RoleCellError(part);
    for (const date of [until?.[1], from?.[1]]) if (date && !isCalendarDate(date)) throw new RoleCellError(part);
    if (from && until && !(from[1]! <= until[1]!)) throw new RoleCellError(part);
    return { roleName, nodeName, ...(from ? { from: from[1]! } : {}), ...(until ? { until: until[1]! } : {}) };
  });
}
