import type { PermissionCode } from '../access/permissions';
import { USER_CSV_COLUMNS } from '../directory/csv-format';
import { InvalidInputError, NotFoundError, type FieldError } from '../errors';
import type { OrgTree } from '../org/tree';

/**
 * The report catalogue of API.md ("Reports"): each report's name,
 * description, columns and parameters, as data. `GET /reports` lists it and
 * the OpenAPI document describes the parameters from it; the report
 * functions (domain/reports/reports.ts) write exactly these columns.
 */

export const REPORT_NAMES = [
  'users',
  'access-review',
  'sensitive-access',
  'expiring-access',
  'dormant-accounts',
  'locked-accounts',
  'managers',
  'undeliverable-emails',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One query parameter of a report. Integers are whole numbers within [minimum, maximum]. */
export interface ReportParamDef {
  readonly name: string;
  readonly type: 'string' | 'integer';
  readonly description: string;
  /** Used when the parameter is absent; nodeId has none here because its default is each trust's own root. */
  readonly default?: string | number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** The only values a string parameter takes. */
  readonly enum?: readonly string[];
}

export interface ReportDef {
  readonly name: ReportName;
  readonly description: string;
  /** The columns of its rows, in order (the CSV header). */
  readonly columns: readonly string[];
  /** Every parameter it takes: the common ones first, then its own. */
  readonly params: readonly ReportParamDef[];
}

/** Parameters every report takes. */
export const COMMON_PARAMS: readonly ReportParamDef[] = Object.freeze([
  {
    name: 'nodeId',
    type: 'string',
    description: 'The node whose subtree the report covers (default: the trust); rows are also cut to your reach of reports.view and users.view (and users.export for the users CSV)',
  },
  { name: 'format', type: 'string', description: 'json ({ columns, rows, generatedAt }) or csv (the users export rules)', default: 'json', enum: REPORT_FORMATS },
]);

const WITHIN_DAYS: ReportParamDef = {
  name: 'withinDays',
  type: 'integer',
  description: 'Role assignments ending within this many days from now',
  default: 30,
  minimum: 1,
  maximum: 365,
};

const DAYS: ReportParamDef = {
  name: 'days',
  type: 'integer',
  description: 'Accounts not signed in for at least this many days',
  default: 90,
  minimum: 1,
  maximum: 730,
};

/** The same person columns open every person-level report. */
const PERSON = ['userId', 'lastName', 'firstName', 'email'] as const;

export const REPORT_COLUMNS = {
  /** The users export's header, in its order. */
  users: USER_CSV_COLUMNS,
  'access-review': [
    ...PERSON, 'accountStatus', 'mfaEnabled', 'roleId', 'role', 'nodeId', 'node', 'validFrom', 'validUntil', 'status',
    'grantedById', 'grantedBy', 'grantedAt', 'grantRecord', 'requiresMfaPermissions', 'reservedPermissions',
  ],
  'sensitive-access': [
    ...PERSON, 'accountStatus', 'roleId', 'role', 'nodeId', 'node', 'permissions', 'requiresMfa', 'reserved', 'mfaEnabled', 'missing2fa',
  ],
  'expiring-access': [...PERSON, 'accountStatus', 'roleId', 'role', 'nodeId', 'node', 'validFrom', 'validUntil', 'lastDay', 'daysLeft'],
  'dormant-accounts': [...PERSON, 'userType', 'status', 'reason', 'lastSignInAt', 'createdAt', 'daysSince'],
  'locked-accounts': [...PERSON, 'userType', 'lockedAt', 'unlocksAt'],
  managers: ['nodeId', 'school', 'label', 'line', 'managers'],
  'undeliverable-emails': [...PERSON, 'userType', 'status', 'delivery', 'reportedAt', 'detail'],
} as const satisfies Record<ReportName, readonly string[]>;

const report = (name: ReportName, description: string, own: readonly ReportParamDef[] = []): ReportDef =>
  Object.freeze({ name, description, columns: REPORT_COLUMNS[name], params: Object.freeze([...COMMON_PARAMS, ...own]) });

export const REPORT_CATALOGUE: readonly ReportDef[] = Object.freeze([
  report('users', 'Every account in reach with its schools and roles: the directory export (inactive accounts left out, as the export does by default)'),
  report('access-review', 'Every person × role × node, with validity, who granted it and when, and the 2FA-only and reserved permissions it carries'),
  report('sensitive-access', 'Who holds a permission that needs 2FA or is reserved, where, and whether their 2FA is on'),
  report('expiring-access', 'Role assignments that end within the next withinDays days', [WITHIN_DAYS]),
  report('dormant-accounts', 'Active accounts never signed in or not for days days, and invitations not accepted for as long', [DAYS]),
  report('locked-accounts', 'Accounts locked after failed sign-ins, with when they locked and when they unlock by themselves'),
  report('managers', "Each school's managers line, as funding documents print it"),
  report('undeliverable-emails', 'People whose address SES reported undeliverable (a permanent bounce, or a complaint): nothing more reaches them, invitations and safeguarding alerts included, until their email changes'),
]);

/**
 * What reading each report needs, every code at once: its rows are cut to
 * the intersection of the reader's reaches of these codes (review E, E6).
 * Every report of the catalogue lists people (names, and most emails, roles
 * and statuses; `managers` prints each school's managers by name, which
 * GET /nodes/{id}/managers gives to users.view), so each needs users.view
 * besides reports.view: reports.view alone must not be a way round the
 * directory's permission. The `users` report is the directory export's
 * columns: as CSV it needs users.export too, as GET /users/export.csv does;
 * as JSON it needs what GET /users needs (users.view), mirroring the two
 * directory routes. No report is counts only, so none is open to
 * reports.view alone. A scheduled report is always CSV.
 */
export const REPORT_READ_PERMISSIONS: { readonly [N in ReportName]: { readonly [F in ReportFormat]: readonly PermissionCode[] } } = Object.freeze({
  users: { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view', 'users.export'] },
  'access-review': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  'sensitive-access': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  'expiring-access': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  'dormant-accounts': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  'locked-accounts': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  managers: { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
  'undeliverable-emails': { json: ['reports.view', 'users.view'], csv: ['reports.view', 'users.view'] },
});

/** The codes reading `name` in `format` needs (REPORT_READ_PERMISSIONS), reports.view first. */
export function reportPermissions(name: ReportName, format: ReportFormat): readonly PermissionCode[] {
  return REPORT_READ_PERMISSIONS[name][format];
}

export const reportByName: ReadonlyMap<string, ReportDef> = new Map(REPORT_CATALOGUE.map((def) => [def.name, def]));

/** The report of a path segment; an unknown name is a 404, like any other unknown resource. */
export function getReport(name: string): ReportDef {
  const def = reportByName.get(name);
  if (!def) throw new NotFoundError('Report');
  return def;
}

export interface CommonParams {
  nodeId: string;
  format: ReportFormat;
}

export interface ReportParamsByName {
  users: CommonParams;
  'access-review': CommonParams;
  'sensitive-access': CommonParams;
  'expiring-access': CommonParams & { withinDays: number };
  'dormant-accounts': CommonParams & { days: number };
  'locked-accounts': CommonParams;
  managers: CommonParams;
  'undeliverable-emails': CommonParams;
}
export type ReportParams<N extends ReportName = ReportName> = ReportParamsByName[N];

/** A raw parameter: a query string value, or a JSON value from a stored schedule. */
export type RawParam = string | number | undefined;

const INTEGER = /^\d{1,9}$/;

function integerValue(def: ReportParamDef, raw: string | number): number | string {
  const value = typeof raw === 'number' ? raw : INTEGER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  const min = def.minimum ?? 0;
  const max = def.maximum ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(value)) return 'must be a whole number';
  if (value < min || value > max) return `must be between ${min} and ${max}`;
  return value;
}

/**
 * Reads a report's raw parameters (query string values, or a schedule's
 * stored params) into typed ones with their defaults, or throws
 * InvalidInputError (400 `validation_failed`) naming every bad field as
 * `<prefix>.<name>` at once: an integer out of its bounds or not a whole
 * number, a format other than json/csv, a nodeId that is not a node of this
 * trust, and any parameter the report does not take (a mistyped
 * `withinDay=7` silently falling back to 30 days would mislead an audit).
 * It does not decide whether the reader may read at nodeId: the handler
 * authorizes that, and the report functions cut rows to the reach anyway.
 */
export function parseReportParams<N extends ReportName>(
  name: N,
  raw: Readonly<Record<string, RawParam>>,
  tree: OrgTree,
  prefix = 'query',
): ReportParams<N> {
  const def = getReport(name);
  const errors: FieldError[] = [];
  const fail = (param: string, message: string) => errors.push({ path: prefix ? `${prefix}.${param}` : param, message });
  const known = new Set(def.params.map((param) => param.name));
  for (const key of Object.keys(raw)) if (raw[key] !== undefined && !known.has(key)) fail(key, `${name} takes no parameter "${key}"`);

  const out: Record<string, string | number> = {};
  for (const param of def.params) {
    const value = raw[param.name];
    if (value === undefined || value === '') {
      if (param.default !== undefined) out[param.name] = param.default;
      continue;
    }
    if (param.type === 'integer') {
      const parsed = integerValue(param, value);
      if (typeof parsed === 'string') fail(param.name, parsed);
      else out[param.name] = parsed;
      continue;
    }
    if (typeof value !== 'string') {
      fail(param.name, 'must be a string');
      continue;
    }
    if (param.enum && !param.enum.includes(value)) fail(param.name, `must be one of ${param.enum.join(', ')}`);
    else out[param.name] = value;
  }
  const nodeId = out.nodeId === undefined ? tree.rootId : String(out.nodeId);
  if (out.nodeId !== undefined && !tree.nodes.has(nodeId)) fail('nodeId', 'no such node in this trust');
  if (errors.length > 0) throw new InvalidInputError('validation_failed', 'The report parameters are not valid', errors);
  return { ...out, nodeId } as unknown as ReportParams<N>;
}
