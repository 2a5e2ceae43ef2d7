import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { clip, MAX_ERROR_MESSAGE_CHARS, QUOTED_CELL_CHARS, quoteCell } from './run-errors';

/**
 * Reading a OneRoster 1.2 CSV bundle (1EdTech, imsglobal.org/spec/oneroster/v1p2/bind/csv):
 * a zip with `manifest.csv` and the files it names. Only what the roster
 * sync needs is read: `orgs.csv`, `users.csv`, `roles.csv`; demographics,
 * user profiles and the class files are ignored. Real exports carry a BOM,
 * CRLF line ends, quoted fields, blank optional columns, extra columns and
 * `ext:` role values; all of that is accepted, and a row that cannot be read
 * is an error for that row only. Unzipping is `fflate`, CSV is `csv-parse`.
 */

export type FileMode = 'bulk' | 'delta' | 'absent';

export interface RosterOrg {
  sourcedId: string;
  name: string;
  type: string;
  status?: 'active' | 'tobedeleted';
}

export interface RosterUser {
  sourcedId: string;
  /** Blank in a bulk file; `active` or `tobedeleted` in a delta file. */
  status?: 'active' | 'tobedeleted';
  enabledUser: boolean;
  givenName: string;
  familyName: string;
  preferredGivenName?: string;
  preferredFamilyName?: string;
  email?: string;
  phone?: string;
  sms?: string;
  primaryOrgSourcedId?: string;
  /** The line in users.csv (1 is the header), for errors. */
  line: number;
}

export interface RosterRole {
  sourcedId?: string;
  status?: 'active' | 'tobedeleted';
  userSourcedId: string;
  roleType: 'primary' | 'secondary';
  /** A OneRoster role (`teacher`, `aide`, …, `guardian`) or a vendor `ext:` value. */
  role: string;
  orgSourcedId: string;
  /** Dates (YYYY-MM-DD) or times as the file gives them. */
  beginDate?: string;
  endDate?: string;
  line: number;
}

export interface RosterError {
  file: string;
  line: number;
  sourcedId?: string;
  code: 'unreadable_row' | 'missing_field' | 'invalid_value';
  message: string;
}

export interface Roster {
  modes: { orgs: FileMode; users: FileMode; roles: FileMode };
  orgs: RosterOrg[];
  users: RosterUser[];
  roles: RosterRole[];
  errors: RosterError[];
}

/** A bundle that cannot be read at all (not a zip, no manifest, no users.csv): the run fails, nothing changes. */
export class RosterBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RosterBundleError';
  }
}

/** The OneRoster 1.2 roles of an adult who works at the school. */
export const STAFF_ROLES = ['teacher', 'aide', 'principal', 'siteAdministrator', 'districtAdministrator', 'systemAdministrator', 'counselor', 'proctor'] as const;
/** The OneRoster 1.2 roles of a pupil's adult (accounts only when the school's settings ask for parents). */
export const GUARDIAN_ROLES = ['guardian', 'parent', 'relative'] as const;
export const ONEROSTER_ROLES = [...STAFF_ROLES, ...GUARDIAN_ROLES, 'student'] as const;

type Row = Record<string, string>;

/**
 * The files the sync reads (manifest, orgs, users, roles) may expand to at
 * most this much in all. Judged from the sizes the zip's directory declares,
 * before anything is inflated: fflate inflates each file into a buffer of its
 * declared size and never past it, so a header that understates a file only
 * truncates it. A real school's files are a few MB (2,000 staff and 6,000
 * guardians: under 3 MB); a zip bomb (a few KB expanding to GBs) is refused.
 */
export const MAX_ROSTER_UNZIPPED_BYTES = 100 * 1024 * 1024;
/** The files of a bundle the sync reads; any other (demographics, classes, enrollments) is never inflated. */
const READ_FILES = ['manifest.csv', 'orgs.csv', 'users.csv', 'roles.csv'];
/**
 * A `sourcedId` is a sort key (`LINK#<sourcedId>`, DynamoDB: at most 1,024
 * bytes); a longer one is an error row, not a person who fails every night.
 */
export const MAX_SOURCED_ID_BYTES = 1000;
const utf8 = new TextEncoder();
const tooLong = (id: string | undefined) => id !== undefined && id.length > MAX_SOURCED_ID_BYTES / 3 && utf8.encode(id).length > MAX_SOURCED_ID_BYTES;

function text(files: Record<string, Uint8Array>, name: string): string | undefined {
  const key = Object.keys(files).find((path) => path.split('/').pop()?.toLowerCase() === name);
  if (key === undefined) return undefined;
  return new TextDecoder('utf-8').decode(files[key]);
}

/**
 * Rows of one CSV file with lower-cased header names. A row whose shape is
 * broken (an unclosed quote, more cells than headers) is reported and
 * skipped; the rest of the file is still read.
 */
function rows(file: string, content: string, errors: RosterError[]): { row: Row; line: number }[] {
  const records = parse(content, {
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (error: { lines?: number; message: string } | undefined) => {
      if (error) errors.push({ file, line: error.lines ?? 0, code: 'unreadable_row', message: clip(error.message, MAX_ERROR_MESSAGE_CHARS) });
    },
  }) as { record: Row; info: { lines: number; invalid_field_length: number } }[];
  return records.map(({ record, info }) => ({ row: record, line: info.lines }));
}

const cell = (row: Row, name: string): string | undefined => {
  const value = row[name.toLowerCase()]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function status(value: string | undefined): 'active' | 'tobedeleted' | undefined | null {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  return lower === 'active' || lower === 'tobedeleted' ? lower : null;
}

function required(file: string, line: number, row: Row, fields: string[], errors: RosterError[]): boolean {
  const missing = fields.filter((f) => cell(row, f) === undefined);
  if (missing.length === 0) return true;
  errors.push({ file, line, sourcedId: cell(row, 'sourcedId'), code: 'missing_field', message: `Missing ${missing.join(', ')}` });
  return false;
}

function readManifest(content: string | undefined): Roster['modes'] {
  if (content === undefined) throw new RosterBundleError('The bundle has no manifest.csv');
  const modes: Roster['modes'] = { orgs: 'absent', users: 'absent', roles: 'absent' };
  const parsed = parse(content, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  for (const [name, value] of parsed.slice(1)) {
    const file = name?.trim().toLowerCase().replace(/^file\./, '');
    const mode = value?.trim().toLowerCase();
    if ((file === 'orgs' || file === 'users' || file === 'roles') && (mode === 'bulk' || mode === 'delta' || mode === 'absent')) modes[file] = mode;
  }
  return modes;
}

export function readRoster(zip: Uint8Array): Roster {
  let files: Record<string, Uint8Array>;
  const wanted = (name: string) => READ_FILES.includes(name.split('/').pop()?.toLowerCase() ?? '');
  try {
    // First the directory alone (the filter inflates nothing), then only the files read, once their declared sizes are known to fit.
    let unzipped = 0;
    unzipSync(zip, {
      filter: (f) => {
        if (wanted(f.name)) unzipped += Math.max(f.size, f.originalSize);
        return false;
      },
    });
    if (unzipped > MAX_ROSTER_UNZIPPED_BYTES) {
      throw new RosterBundleError(`The bundle's manifest, orgs, users and roles files unzip to ${unzipped} bytes, over the ${MAX_ROSTER_UNZIPPED_BYTES} bytes a roster may take`);
    }
    files = unzipSync(zip, { filter: (f) => wanted(f.name) });
  } catch (error) {
    if (error instanceof RosterBundleError) throw error;
    throw new RosterBundleError(`The bundle is not a readable zip: ${(error as Error).message}`);
  }
  const modes = readManifest(text(files, 'manifest.csv'));
  const errors: RosterError[] = [];
  const read = (name: 'orgs' | 'users' | 'roles') => {
    if (modes[name] === 'absent') return [];
    const content = text(files, `${name}.csv`);
    if (content === undefined) throw new RosterBundleError(`The manifest lists ${name}.csv as ${modes[name]} but the bundle has no ${name}.csv`);
    return rows(`${name}.csv`, content, errors);
  };
  if (modes.users === 'absent') throw new RosterBundleError('The manifest marks users.csv absent: there is nothing to sync');

  const orgs: RosterOrg[] = [];
  for (const { row, line } of read('orgs')) {
    if (!required('orgs.csv', line, row, ['sourcedId', 'name'], errors)) continue;
    orgs.push({ sourcedId: cell(row, 'sourcedId')!, name: cell(row, 'name')!, type: cell(row, 'type') ?? '', status: status(cell(row, 'status')) ?? undefined });
  }

  const users: RosterUser[] = [];
  for (const { row, line } of read('users')) {
    if (!required('users.csv', line, row, ['sourcedId', 'givenName', 'familyName'], errors)) continue;
    if (tooLong(cell(row, 'sourcedId'))) {
      errors.push({ file: 'users.csv', line, sourcedId: cell(row, 'sourcedId'), code: 'invalid_value', message: `sourcedId is over ${MAX_SOURCED_ID_BYTES} bytes` });
      continue;
    }
    const userStatus = status(cell(row, 'status'));
    const enabled = cell(row, 'enabledUser')?.toLowerCase();
    if (userStatus === null || (enabled !== undefined && enabled !== 'true' && enabled !== 'false')) {
      errors.push({ file: 'users.csv', line, sourcedId: cell(row, 'sourcedId'), code: 'invalid_value', message: 'status must be active or tobedeleted; enabledUser true or false' });
      continue;
    }
    users.push({
      sourcedId: cell(row, 'sourcedId')!,
      ...(userStatus ? { status: userStatus } : {}),
      enabledUser: enabled !== 'false',
      givenName: cell(row, 'givenName')!,
      familyName: cell(row, 'familyName')!,
      ...optional(row, ['preferredGivenName', 'preferredFamilyName', 'email', 'phone', 'sms', 'primaryOrgSourcedId']),
      line,
    });
  }

  const roles: RosterRole[] = [];
  for (const { row, line } of read('roles')) {
    if (!required('roles.csv', line, row, ['userSourcedId', 'role', 'orgSourcedId'], errors)) continue;
    if (tooLong(cell(row, 'userSourcedId'))) {
      errors.push({ file: 'roles.csv', line, sourcedId: cell(row, 'userSourcedId'), code: 'invalid_value', message: `userSourcedId is over ${MAX_SOURCED_ID_BYTES} bytes` });
      continue;
    }
    const roleStatus = status(cell(row, 'status'));
    const roleType = (cell(row, 'roleType') ?? 'primary').toLowerCase();
    const role = cell(row, 'role')!;
    const known = role.startsWith('ext:') || (ONEROSTER_ROLES as readonly string[]).includes(role);
    if (roleStatus === null || (roleType !== 'primary' && roleType !== 'secondary') || !known) {
      errors.push({ file: 'roles.csv', line, sourcedId: cell(row, 'userSourcedId'), code: 'invalid_value', message: `Cannot read role ${quoteCell(role)} (${clip(roleType, QUOTED_CELL_CHARS)})` });
      continue;
    }
    roles.push({
      ...optional(row, ['sourcedId', 'beginDate', 'endDate']),
      ...(roleStatus ? { status: roleStatus } : {}),
      userSourcedId: cell(row, 'userSourcedId')!,
      roleType,
      role,
      orgSourcedId: cell(row, 'orgSourcedId')!,
      line,
    });
  }
  const fileOrder = ['orgs.csv', 'users.csv', 'roles.csv'];
  errors.sort((a, b) => fileOrder.indexOf(a.file) - fileOrder.indexOf(b.file) || a.line - b.line);
  return { modes, orgs, users, roles, errors };
}

function optional<K extends string>(row: Row, names: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = cell(row, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
