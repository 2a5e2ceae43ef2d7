import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateRoleDefinition } from '../../../domain/access/roles';
import { DomainError } from '../../../domain/errors';
import type { OrgTree } from '../../../domain/org/tree';
import { parseReportParams, REPORT_NAMES } from '../../../domain/reports/catalogue';
import { unsubscribeQuerySchema } from '../../../functions/notifications/unsubscribe.schema';
import type { Caller } from '../../../functions/http/caller';
import { checkTokenForm } from '../../../functions/oauth/token-form';
import { checkCadence, scheduleParams, type ScheduleInput } from '../../../functions/reports/schedules';
import { linkFormSchema, linkQuerySchema } from '../../../functions/pages/link-form.schema';
import { openApiDocument } from '../../../functions/docs/openapi';
import { fieldErrors } from '../../../functions/http/errors';
import { handlerSchemas } from '../../../functions/http/handler';
import { requireIfMatch } from '../../../functions/http/responses';
import { routes, type RouteDef } from '../../../functions/routes';
import { idempotencyKeyOf } from '../../../functions/shared/idempotency';
import * as z from '../../../functions/shared/zod';
import { DocumentSamples, type JsonSchema } from '../../support/document-samples';

/**
 * /openapi.json is no looser than the validator: whatever the document
 * accepts, the service accepts too (a client built on the document, or on
 * client/schema.d.ts, never meets a 400 the document did not announce).
 *
 * For every route, and every part of its request the document describes (the
 * JSON or form body, query and path parameters, the If-Match and
 * Idempotency-Key headers), values the DOCUMENT accepts are drawn from its own
 * schemas (test/support/document-samples.ts: random draws with one seed, and
 * the edges: empty objects, the longest strings, the ends of ranges, 10,000
 * characters where no maxLength is drawn), kept only when ajv says the
 * document accepts them, and given to what the service validates them with:
 * the route's zod schemas (the very objects the handler module was built with,
 * checked below), the header checks, and the few checks a function makes by
 * itself (FUNCTION_CHECKS). Any refusal fails, unless ALLOWED names it with the
 * reason JSON Schema cannot say it. No stack: the route table, the handler
 * modules and the generator only.
 */

type Part = 'body' | 'query' | 'params' | 'If-Match' | 'Idempotency-Key';
/** What the service answers a value with: the errors it would name (empty: accepted). */
type Check = (value: unknown, route: RouteDef) => string[];

const key = (route: RouteDef) => `${route.method} ${route.path}`;

/** The zod schema's refusals, as the HTTP layer names them (functions/http/errors.ts). */
const zodCheck = (schema: z.ZodMiniType | undefined, prefix: string): Check => (value) => {
  if (!schema) return [];
  const result = schema.safeParse(value);
  return result.success ? [] : fieldErrors(result.error, prefix).map((e) => `${e.path || prefix}: ${e.message}`);
};

const domainRefusals = (run: () => unknown): string[] => {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'precondition_required') return [`${error.code}: ${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ') || error.message}`];
    if (error instanceof DomainError) return [];
    throw error;
  }
};

/** The schemas the route's handler module was built with (filled in beforeAll). */
const built = new Map<string, { body?: z.ZodMiniType; query?: z.ZodMiniType; params?: z.ZodMiniType }>();
const builtSchema = (route: RouteDef, part: 'body' | 'query' | 'params') => built.get(key(route))?.[part];

/**
 * Refusals of input the document accepts, for a reason JSON Schema cannot
 * express, each with the reason. An entry matches a route, a part and the
 * refusal's text; any other refusal of the same part still fails, and an entry
 * that matches no refusal fails too (so the list cannot go stale).
 */
const ALLOWED: { route: string; part: Part; refusal: RegExp; reason: string }[] = [
  ...['POST /users', 'POST /users/{id}/roles', 'POST /users/bulk'].map((route) => ({
    route, part: 'body' as const, refusal: /validUntil: (must be after validFrom|has already passed: the role would never apply)$/,
    reason: 'a role assignment\'s validUntil after its validFrom and not past: one field against another, and against the clock',
  })),
  {
    route: 'POST /users', part: 'body', refusal: /^memberships: (at most one primary membership|each node at most once)$/,
    reason: 'one primary placement at most, one placement a node: across the items of the array (uniqueItems compares whole items)',
  },
  {
    route: 'POST /users/bulk', part: 'body', refusal: /^actions\.\d+: (contradicts actions\.\d+|an account being deactivated takes no invitation|repeats actions\.\d+)$/,
    reason: 'actions that undo each other (add and remove the same role or placement, deactivate and activate or re-invite), or repeat one another once times are read as UTC: across items (uniqueItems says the exact repeats)',
  },
  {
    route: 'POST /report-schedules', part: 'body', refusal: /body\.(dayOfWeek|dayOfMonth): (required for a (weekly|monthly) schedule|a \w+ schedule takes no day(OfWeek|OfMonth))/,
    reason: 'dayOfWeek with a weekly cadence only, dayOfMonth with a monthly one: one field against another',
  },
  {
    route: 'POST /report-schedules', part: 'body', refusal: /takes no parameter "(withinDays|days)"/,
    reason: 'withinDays only for expiring-access, days only for dormant-accounts (each description says so): the params depend on the report named beside them',
  },
  { route: 'GET /audit', part: 'query', refusal: /^query\.from: must not be after "to"$/, reason: 'from no later than to: one field against another' },
  {
    route: 'PATCH /trust/settings', part: 'body', refusal: /^policies\.timeZone: not an IANA time zone/,
    reason: 'a time zone the runtime\'s IANA database knows (Intl): a list only one runtime\'s ICU could give',
  },
  {
    route: 'GET /reports/{name}', part: 'query', refusal: /takes no parameter "(withinDays|days)"/,
    reason: 'withinDays is taken only by expiring-access and days only by dormant-accounts (each description says so): which parameters a report takes depends on the {name} in the path',
  },
];

/**
 * Routes whose function does not validate with the route table's schemas in
 * its middy chain (the guard then checks with FUNCTION_CHECKS, the function's
 * own check), and why.
 */
const VALIDATED_IN_FUNCTION: Record<string, string> = {
  // The link pages answer a page whatever is wrong, never a problem document: their chains take any query or form, and the function reads it with the schema the table documents (FUNCTION_CHECKS).
  'GET /invite': 'the page reads the query with linkQuerySchema itself: a bad link is a 400 page',
  'GET /reset-password': 'the page reads the query with linkQuerySchema itself: a bad link is a 400 page',
  'POST /invite': 'the form post reads the form with linkFormSchema itself: a bad form is a 400 page',
  'POST /reset-password': 'the form post reads the form with linkFormSchema itself: a bad form is a 400 page',
  'GET /notifications/unsubscribe': 'the page reads the query with unsubscribeQuerySchema itself: a bad link is a 400 page',
  'POST /notifications/unsubscribe': 'its chain takes any form (only from=page matters; the document names the two fields RFC 8058 and the page send)',
  'POST /oauth2/token': 'checks the form with checkTokenForm itself, to answer RFC 6749 errors',
  'POST /users/import': 'its chain takes importBodySchema, the union of the two bodies the table documents by media type (JSON { planId }, text/csv)',
};

/** Checks a function makes itself beyond the zod schemas of its chain (pure: no AWS call). */
const FUNCTION_CHECKS: Record<string, Partial<Record<Part, Check>>> = {
  'GET /invite': { query: zodCheck(linkQuerySchema, 'query') },
  'GET /reset-password': { query: zodCheck(linkQuerySchema, 'query') },
  'POST /invite': { body: zodCheck(linkFormSchema, '') },
  'POST /reset-password': { body: zodCheck(linkFormSchema, '') },
  'GET /notifications/unsubscribe': { query: zodCheck(unsubscribeQuerySchema, 'query') },
  'POST /oauth2/token': {
    body: (value) => {
      const form = checkTokenForm(value as Record<string, unknown>);
      return 'error' in form ? [`${form.error}: ${form.description}`] : [];
    },
  },
  // The zod schema, then the role's definition as the domain checks it (validateRoleDefinition: codes of the catalogue; every role id exists here).
  'POST /roles': { body: roleDefinitionCheck((body) => [body as { permissions: string[]; assignableRoles: string[] }]) },
  'PATCH /roles/{id}': { body: roleDefinitionCheck((body) => [{ permissions: [], assignableRoles: [], ...(body as object) }]) },
  'PUT /access-matrix': {
    // The matrix's version is a digest the function compares as it is: another value is 412, none 428, never a 400 (so the document gives no pattern).
    'If-Match': () => [],
    body: roleDefinitionCheck((body) => Object.values((body as { grants: Record<string, string[]> }).grants).map((permissions) => ({ permissions, assignableRoles: [] }))),
  },
  // As the function: the zod schema, the cadence's days, then the report's params (parseReportParams, every node id existing).
  'POST /report-schedules': {
    body: (value, route) => {
      const own = zodCheck(builtSchema(route, 'body'), '')(value, route);
      if (own.length) return own;
      const body = builtSchema(route, 'body')!.parse(value) as ScheduleInput;
      const anyNode = { rootId: 'root', nodes: { has: () => true } } as unknown as OrgTree;
      return [...domainRefusals(() => checkCadence(body)), ...domainRefusals(() => scheduleParams(body, { context: { tree: anyNode } } as unknown as Caller))];
    },
  },
  // The zod schema, then parseReportParams: a query some report takes (every node id exists here: "a node of this trust" is not the document's to say).
  'GET /reports/{name}': {
    query: (value, route) => {
      const own = zodCheck(builtSchema(route, 'query'), 'query')(value, route);
      if (own.length) return own;
      const anyNode = { rootId: 'root', nodes: { has: () => true } } as unknown as OrgTree;
      const refusals = REPORT_NAMES.map((name) => domainRefusals(() => parseReportParams(name, value as Record<string, string>, anyNode)));
      return refusals.some((r) => r.length === 0) ? [] : refusals.flat();
    },
  },
};

/** Every role id exists here: "a role of this trust" is not the document's to say. */
const ANY_ROLE = new (class extends Set<string> {
  override has() {
    return true;
  }
})();
function roleDefinitionCheck(definitions: (body: unknown) => { permissions: string[]; assignableRoles: string[] }[]): Check {
  return (value, route) => {
    const own = zodCheck(builtSchema(route, 'body'), '')(value, route);
    if (own.length) return own;
    return definitions(builtSchema(route, 'body')!.parse(value)).flatMap((definition) => domainRefusals(() => validateRoleDefinition(definition, ANY_ROLE)));
  };
}

const HEADER_CHECKS: Record<string, Check> = {
  'If-Match': (value) => domainRefusals(() => requireIfMatch({ 'if-match': value as string })),
  'Idempotency-Key': (value) => domainRefusals(() => idempotencyKeyOf({ 'idempotency-key': value as string })),
};

const document = openApiDocument() as unknown as JsonSchema;
const DOC_ID = 'https://trust-access.local/guard/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOC_ID });
const samples = new DocumentSamples(document);
/** A schema of the document, its local refs pointed at the document, compiled. */
const accepts = (schema: JsonSchema): ValidateFunction => ajv.compile(JSON.parse(JSON.stringify(schema), (k, v: unknown) => (k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : v)));

const operationOf = (route: RouteDef) => document.paths[route.path]?.[route.method.toLowerCase()] as JsonSchema;

/** Query and path values arrive as strings (API Gateway); numbers and booleans as their text. */
const asText = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value));
/** A parameter's schema checks the typed value (`limit` is an integer in the document, "50" on the wire), as the sweep does. */
const typed = (schema: JsonSchema, text: string): unknown => {
  const s = samples.resolve(schema);
  const types = [s.type, ...((s.anyOf ?? []) as JsonSchema[]).map((o) => samples.resolve(o).type)].flat();
  return (types.includes('integer') || types.includes('number')) && text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
};

interface Finding {
  route: string;
  part: Part;
  value: unknown;
  refusals: string[];
}

interface PartCase {
  part: Part;
  /** The document's schema of the part; for parameters an object of them. */
  schema: JsonSchema;
  /** The drawn value as it reaches the check (form and parameter values become text). */
  wire: (value: unknown) => unknown;
  /** Whether the document accepts the drawn value. */
  documented: (value: unknown) => boolean;
  check: Check;
}

function parameterCase(route: RouteDef, where: 'query' | 'path'): PartCase | undefined {
  const parameters = ((operationOf(route).parameters ?? []) as JsonSchema[]).filter((p) => p.in === where);
  if (!parameters.length) return undefined;
  const schema = { type: 'object', properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])), required: parameters.filter((p) => p.required).map((p) => p.name), additionalProperties: false };
  const validators = new Map(parameters.map((p) => [p.name, accepts(p.schema)]));
  const part = where === 'path' ? 'params' : 'query';
  const wire = (value: unknown) => Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, v]) => [name, asText(v)]));
  return {
    part,
    schema,
    wire,
    documented: (value) => {
      const object = value as Record<string, unknown>;
      if (parameters.some((p) => p.required && !(p.name in object))) return false;
      // A path segment is never empty; each value as its text, checked as the document types it.
      return Object.entries(wire(value)).every(([name, text]) => (where === 'query' || text !== '') && validators.get(name)!(typed(validators.get(name)!.schema as JsonSchema, text as string)));
    },
    check: FUNCTION_CHECKS[key(route)]?.[part] ?? zodCheck(builtSchema(route, part), part),
  };
}

function cases(route: RouteDef): PartCase[] {
  const operation = operationOf(route);
  const out: PartCase[] = [];
  const content = (operation.requestBody?.content ?? {}) as Record<string, { schema: JsonSchema }>;
  for (const [type, { schema }] of Object.entries(content)) {
    const form = type === 'application/x-www-form-urlencoded';
    const validate = accepts(schema);
    // A form carries text only: each drawn value as its text (URLSearchParams → Object.fromEntries, functions/http/handler.ts).
    const wire = form ? (value: unknown) => (value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)])) : value) : (value: unknown) => value;
    out.push({ part: 'body', schema, wire, documented: (value) => validate(wire(value)) as boolean, check: FUNCTION_CHECKS[key(route)]?.body ?? zodCheck(builtSchema(route, 'body'), '') });
  }
  for (const where of ['query', 'path'] as const) {
    const c = parameterCase(route, where);
    if (c) out.push(c);
  }
  for (const header of ((operation.parameters ?? []) as JsonSchema[]).filter((p) => p.in === 'header')) {
    const validate = accepts(header.schema);
    const check = FUNCTION_CHECKS[key(route)]?.[header.name as Part] ?? HEADER_CHECKS[header.name];
    if (!check) throw new Error(`${key(route)}: no check known for the header ${header.name}`);
    out.push({ part: header.name as Part, schema: header.schema, wire: (v) => v, documented: (v) => typeof v === 'string' && (validate(v) as boolean), check });
  }
  return out;
}

/** The values the document accepts that the service refuses, and how many accepted values were tried. */
function looseness(route: RouteDef, c: PartCase, count = 60): { findings: Finding[]; tried: number } {
  const findings: Finding[] = [];
  let tried = 0;
  for (const drawn of samples.samples(c.schema, count)) {
    if (!c.documented(drawn)) continue;
    tried++;
    const refusals = c.check(c.wire(drawn), route);
    if (refusals.length) findings.push({ route: key(route), part: c.part, value: c.wire(drawn), refusals });
  }
  return { findings, tried };
}

const show = (f: Finding) => `${f.route} ${f.part}: ${JSON.stringify(f.value, (_k, v: unknown) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 40)}…(${v.length} chars)` : v)).slice(0, 240)} → ${f.refusals.join(' | ').slice(0, 300)}`;

describe('/openapi.json is no looser than the validator', () => {
  const modules = new Map<string, { handler: object }>();
  beforeAll(async () => {
    for (const route of routes) {
      const module = (await import(/* @vite-ignore */ `../../../${route.handler}`)) as { handler: object };
      modules.set(route.handler, module);
      const schemas = handlerSchemas.get(module.handler);
      if (schemas) built.set(key(route), schemas);
    }
  });

  it('every handler validates with the schemas the route table documents', () => {
    const differ: string[] = [];
    for (const route of routes) {
      const schemas = handlerSchemas.get(modules.get(route.handler)!.handler);
      if (!schemas) {
        differ.push(`${key(route)}: ${route.handler} is not built with httpHandler`);
        continue;
      }
      if (key(route) in VALIDATED_IN_FUNCTION) continue;
      for (const part of ['body', 'query', 'params'] as const) {
        if (schemas[part] !== route.request?.[part]) differ.push(`${key(route)}: the handler's ${part} schema is not the route table's`);
      }
    }
    expect(differ).toEqual([]);
    expect(Object.keys(VALIDATED_IN_FUNCTION).filter((k) => !routes.some((route) => key(route) === k)), 'VALIDATED_IN_FUNCTION names only routes of the table').toEqual([]);
  });

  it('whatever the document accepts, the service accepts (bounded, one seed)', () => {
    const failures: string[] = [];
    const used = new Set<number>();
    const empty: string[] = [];
    for (const route of routes) {
      for (const c of cases(route)) {
        const { findings, tried } = looseness(route, c);
        if (tried === 0) empty.push(`${key(route)} ${c.part}`);
        for (const finding of findings) {
          // Every refusal of the value must be one ALLOWED names.
          const entries = finding.refusals.map((r) => ALLOWED.findIndex((a) => a.route === finding.route && a.part === finding.part && a.refusal.test(r)));
          if (entries.every((i) => i >= 0)) entries.forEach((i) => used.add(i));
          else failures.push(show({ ...finding, refusals: finding.refusals.filter((_r, i) => entries[i]! < 0) }));
        }
      }
    }
    // Three findings a part are enough to see what is wrong.
    const seen = new Map<string, number>();
    const shown = failures.filter((f) => {
      const where = f.split(':')[0]!;
      seen.set(where, (seen.get(where) ?? 0) + 1);
      return seen.get(where)! <= 3;
    });
    expect(shown, `${failures.length} values the document accepts are refused`).toEqual([]);
    expect(empty, 'parts where no drawn value was accepted by the document (the generator tried nothing)').toEqual([]);
    expect(ALLOWED.filter((_a, i) => !used.has(i)).map((a) => `${a.route} ${a.part} ${a.refusal}`), 'ALLOWED entries no refusal needs').toEqual([]);
  });

  it('finds a document looser than its validator (the guard can fail)', () => {
    // A refinement the document cannot see, and a check before a transform, as permission codes and emails once were.
    const loose = z.strictObject({ code: z.string().check(z.refine((v) => v === 'a.b')), email: z.pipe(z.pipe(z.string().check(z.maxLength(254)), z.email()), z.transform((v: string) => v)) });
    const schema = z.toJSONSchema(loose, { io: 'input' }) as JsonSchema;
    const route = { method: 'POST', path: '/guard-self-test' } as RouteDef;
    const validate = accepts(schema);
    const { findings, tried } = looseness(route, { part: 'body', schema, wire: (v) => v, documented: (v) => validate(v) as boolean, check: zodCheck(loose, '') });
    expect(tried).toBeGreaterThan(10);
    expect(findings.some((f) => f.refusals.some((r) => r.startsWith('code:')))).toBe(true);
    expect(findings.some((f) => f.refusals.some((r) => r.startsWith('email:')))).toBe(true);
  });
});
