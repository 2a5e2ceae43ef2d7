import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { routes, type RouteDef } from '../../../functions/routes';
import { call, type ApiResponse } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';
import { SchemaWalker, type BodyFault, type JsonSchema } from '../../support/bad-inputs';

/**
 * The developers' guide: bad input gets a 400 problem document naming the
 * field; a 500 is a bug. This sweeps EVERY route of the route table
 * (functions/routes.ts), each request's shape read from the served
 * /openapi.json, so a route added later is swept without a line here: bodies
 * that are not JSON or not an object, each field missing, of the wrong type,
 * too long, out of range, an unknown enum value or key, a time that is not
 * one; bad query values and cursors; bad path segments (10 KB, unicode, ../,
 * broken percent-encoding, ids that do not exist); bad If-Match and
 * Idempotency-Key headers. Only input the document itself refuses is sent to
 * a route that writes, and each must be answered 4xx; nothing may be 5xx, a
 * 4xx is a problem document (checked against /openapi.json by `call`), a 400
 * caused by a field names it (errors[].path: `field.sub` in the body,
 * `query.<name>`, `params.<name>`, or the header's name), and the trust's
 * audit log has no new record after the sweep.
 */

/** Routes the sweep cannot fault, and why (each is still checked to exist in the table). */
const UNSWEPT: Record<string, string> = {
  // They take no input at all, and any call acts on the sweeping admin's own account.
  'POST /auth/logout': 'no input to fault; any call signs the sweeping admin out',
  'POST /me/mfa/totp/setup': 'no input to fault; any call starts a new TOTP set-up for the sweeping admin',
};

/** Path parameter → a real thing of the sweep's trust, where the route needs an existing one (filled in beforeAll). */
const real: Record<string, string> = {};

/** Requests at once (2 cores shared: enough to overlap the gateway's waits). */
const CONCURRENCY = 6;

interface Probe {
  route: RouteDef;
  label: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  /** What the answer must be: `invalid` (the document refuses the input: 4xx, a 400 naming `names`), or `any` (< 500 only). */
  expect: 'invalid' | 'any';
  /** The error path a 400 must name (or one under it). */
  names?: string;
  unknownKey?: string;
}

let trust: TestTrust;
let admin: string;
let document: JsonSchema;
let walker: SchemaWalker;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const DOC_ID = 'https://trust-access.local/sweep/openapi.json';
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const validators = new Map<string, ValidateFunction>();
function validator(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const operationOf = (route: RouteDef) => document.paths[route.path]?.[route.method.toLowerCase()] as JsonSchema | undefined;
const operationPointer = (route: RouteDef) => `/paths/${escape(route.path)}/${route.method.toLowerCase()}`;
const parametersOf = (route: RouteDef, where: 'path' | 'query' | 'header') =>
  ((operationOf(route)?.parameters ?? []) as JsonSchema[]).filter((p) => p.in === where);
const key = (route: RouteDef) => `${route.method} ${route.path}`;

/** A route that may change things (the route table's grant): only input the document refuses is sent to it. */
const writes = (route: RouteDef) => route.table === 'write';

function fillPath(route: RouteDef, values: Record<string, string> = {}): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name in values ? values[name]! : encodeURIComponent(real[`${key(route)} ${name}`] ?? real[name] ?? `unknown${name}`)));
}

/** A query value as the route's schema reads it (z.coerce for numbers), checked against the parameter's schema. */
function queryValueValid(parameter: JsonSchema, value: string): boolean {
  const schema = walker.nonNull(parameter.schema);
  const typed = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
  if (typeof typed === 'number' && !Number.isFinite(typed)) return false;
  return ajv.validate({ ...schema, default: undefined }, typed) as boolean;
}

/** Bad values for a query parameter, from its schema. */
function queryValues(parameter: JsonSchema, cursors: string[]): string[] {
  const schema = walker.nonNull(parameter.schema);
  const values = ['', 'x'.repeat(10_000), 'é✓\u0000', '%%%'];
  if (schema.type === 'integer' || schema.type === 'number') values.push('-1', '0', '1e9', '1.5', 'abc', 'NaN', 'Infinity', '0x10');
  if (schema.enum) values.push('sweep-unknown-value', String(schema.enum[0]).toUpperCase());
  if (schema.maxLength !== undefined) values.push('x'.repeat(schema.maxLength + 1));
  if (schema.format === 'date-time') values.push('yesterday', '2026-02-30T09:00:00Z', '2026-01-01');
  if (/cursor/i.test(parameter.name)) values.push('AAAA', Buffer.from('{"sk":"TRUST#x"}').toString('base64url'), Buffer.from('garbage\u0000').toString('base64'), ...cursors);
  return [...new Set(values)];
}

function probesFor(route: RouteDef, cursors: string[]): Probe[] {
  const probes: Probe[] = [];
  const operation = operationOf(route)!;
  const write = writes(route);
  // A stale but well-formed version: should a faulty request ever pass validation, it still changes nothing.
  const staleIfMatch = route.request?.ifMatch ? { 'if-match': '"999999"' } : undefined;
  const content = operation.requestBody?.content as Record<string, { schema: JsonSchema }> | undefined;
  const jsonBody = content?.['application/json'];
  const base = jsonBody ? walker.sample(jsonBody.schema) : undefined;

  // Bodies.
  if (jsonBody) {
    const pointer = `${operationPointer(route)}/requestBody/content/application~1json/schema`;
    const validate = validator(pointer);
    const { faults } = walker.bodyFaults(jsonBody.schema);
    for (const fault of faults) {
      // Input the document accepts (a 300 KB string where no maxLength is drawn) goes only to routes that change nothing, and may pass.
      const accepted = fault.body !== undefined && validate(fault.body);
      if (accepted && write) continue;
      probes.push({
        route, label: `body ${fault.label}`, path: fillPath(route), headers: { 'content-type': 'application/json', ...staleIfMatch },
        ...(fault.raw !== undefined ? { raw: fault.raw } : { body: fault.body }), expect: accepted ? 'any' : 'invalid', names: fault.path || 'body', unknownKey: fault.unknownKey,
      });
    }
  }
  if (jsonBody && walker.nonNull(jsonBody.schema).type === 'object') {
    // The JSON body under a media type the route does not take: read as text (CSV) or bytes (a zip), never as the object.
    for (const type of ['text/csv', 'application/zip'].filter((t) => !content?.[t])) {
      probes.push({ route, label: `the body as ${type}`, path: fillPath(route), headers: { 'content-type': type, ...staleIfMatch }, raw: JSON.stringify(base), expect: 'invalid', names: 'body' });
    }
  }
  for (const type of Object.keys(content ?? {}).filter((t) => t !== 'application/json')) {
    // Form posts, the CSV import (a dry run) and the roster zip: garbage of their own media type (pages and the token endpoint answer in their own shapes).
    const query = route.path === '/users/import' ? '?dryRun=true' : '';
    for (const [label, raw] of [['empty', ''], ['garbage', '%%%\u0000=&&=='], ['300 KB', `a=${'z'.repeat(300 * 1024)}`], ['unterminated quote', '"a,b\n"c']] as const) {
      probes.push({ route, label: `${type} body ${label}`, path: fillPath(route) + query, headers: { 'content-type': type }, raw, expect: 'any' });
    }
  }

  // Query parameters (a body route gets its sample body, so only the query is at fault).
  const queryParameters = parametersOf(route, 'query');
  const withBody = (p: Omit<Probe, 'route'>): Probe => ({ route, ...p, ...(base !== undefined && p.body === undefined ? { body: base, headers: { ...p.headers, 'content-type': 'application/json' } } : {}) });
  for (const parameter of queryParameters) {
    const others = queryParameters.filter((p) => p.required && p !== parameter).map((p) => `${p.name}=${encodeURIComponent(String(walker.sample(p.schema, p.name)))}`);
    for (const value of queryValues(parameter, cursors)) {
      const invalid = !queryValueValid(parameter, value);
      if (write && !invalid) continue;
      const encoded = value === '%%%' ? value : encodeURIComponent(value);
      probes.push(withBody({
        label: `query ${parameter.name}=${value.slice(0, 40)}`, path: `${fillPath(route)}?${[...others, `${parameter.name}=${encoded}`].join('&')}`,
        headers: staleIfMatch, expect: invalid ? 'invalid' : 'any', names: `query.${parameter.name}`,
      }));
    }
    if (parameter.required) {
      probes.push(withBody({ label: `query ${parameter.name} missing`, path: `${fillPath(route)}${others.length ? `?${others.join('&')}` : ''}`, headers: staleIfMatch, expect: 'invalid', names: `query.${parameter.name}` }));
    }
    // Repeated: the gateway joins the values with a comma.
    const one = String(walker.sample(parameter.schema, parameter.name));
    const twiceInvalid = !queryValueValid(parameter, `${one},${one}`);
    if (!write || twiceInvalid) {
      probes.push(withBody({ label: `query ${parameter.name} twice`, path: `${fillPath(route)}?${[...others, `${parameter.name}=${encodeURIComponent(one)}`, `${parameter.name}=${encodeURIComponent(one)}`].join('&')}`, headers: staleIfMatch, expect: twiceInvalid ? 'invalid' : 'any', names: `query.${parameter.name}` }));
    }
  }
  if (!write) probes.push({ route, label: 'an unknown query parameter', path: `${fillPath(route)}?sweepUnknown=1&${queryParameters.filter((p) => p.required).map((p) => `${p.name}=${encodeURIComponent(String(walker.sample(p.schema, p.name)))}`).join('&')}`, expect: 'any' });

  // Path parameters: each at fault in turn, the others real; then all of them well-formed ids of nothing.
  const pathParameters = parametersOf(route, 'path');
  for (const parameter of pathParameters) {
    for (const [label, segment, decoded] of [
      ['10 KB', 'x'.repeat(10_240), 'x'.repeat(10_240)],
      ['unicode', encodeURIComponent('élève✓'), 'élève✓'],
      ['../', encodeURIComponent('../'), '../'],
      ['a space', '%20', ' '],
      ['NUL', '%00', '\u0000'],
      ['broken percent-encoding', '%%%', '%%%'],
      ['a percent-encoded %', '%2525', '%25'],
    ] as const) {
      if (ajv.validate({ ...walker.nonNull(parameter.schema) }, decoded)) {
        if (write) continue;
        probes.push({ route, label: `path ${parameter.name} ${label}`, path: fillPath(route, { [parameter.name]: segment }), expect: 'any' });
        continue;
      }
      probes.push(withBody({ label: `path ${parameter.name} ${label}`, path: fillPath(route, { [parameter.name]: segment }), headers: staleIfMatch, expect: 'invalid', names: `params.${parameter.name}` }));
    }
    probes.push(withBody({ label: `path ${parameter.name} empty`, path: fillPath(route, { [parameter.name]: '' }), headers: staleIfMatch, expect: write ? 'invalid' : 'any' }));
  }
  if (pathParameters.length) {
    const nothing = Object.fromEntries(pathParameters.map((p) => [p.name, `sweep-nothing-${p.name}`]));
    probes.push(withBody({ label: 'path: well-formed ids of nothing', path: fillPath(route, nothing), headers: staleIfMatch, expect: write ? 'invalid' : 'any' }));
  }

  // Headers the route reads, with a body the document accepts, so that the header alone is at fault.
  const validBody = validBodies[key(route)] ? validBodies[key(route)]!() : base;
  for (const header of parametersOf(route, 'header')) {
    const values = header.name === 'If-Match'
      ? ['garbage', 'W/"x"', '', '*', '"1"x', '"-1"', `"${'9'.repeat(40)}"`, 'x'.repeat(10_000)]
      : ['', 'x'.repeat(10_000), 'é', 'a key'];
    for (const value of values) {
      probes.push({
        route, label: `header ${header.name}: ${JSON.stringify(value.slice(0, 30))}`, path: fillPath(route), headers: { 'content-type': 'application/json', [header.name.toLowerCase()]: value },
        ...(validBody !== undefined ? { body: validBody } : {}), expect: 'invalid', names: header.name,
      });
    }
  }
  return probes;
}

/** Bodies a route accepts, where the drawn sample is not one (so a header alone is at fault). */
const validBodies: Record<string, () => unknown> = {
  'POST /users/bulk': () => ({ userIds: [real.id], actions: [{ op: 'addRole', roleId: presetIds.staff, nodeId: real.nodeId }], dryRun: true }),
  'PATCH /report-schedules/{id}': () => ({ hour: 9 }),
  // A PATCH of nothing is refused ({} passes the document, not the route: "nothing to change").
  'PATCH /nodes/{id}': () => ({ name: 'Sweep renamed' }),
  'PATCH /roles/{id}': () => ({ description: 'Sweep described' }),
  'PATCH /users/{id}': () => ({ firstName: 'Sweep' }),
};

const failures: string[] = [];
const statuses: Record<number, number> = {};
let sent = 0;
const covered = new Set<string>();

async function send(probe: Probe): Promise<void> {
  const where = `${key(probe.route)} [${probe.label}] ${probe.path.slice(0, 120)}`;
  let response: ApiResponse;
  try {
    response = await call(probe.route.method, probe.path, {
      token: probe.route.auth === 'user' ? admin : undefined,
      headers: probe.headers,
      ...(probe.raw !== undefined ? { rawBody: probe.raw } : probe.body !== undefined ? { rawBody: JSON.stringify(probe.body) } : {}),
    });
  } catch (error) {
    failures.push(`${where}: ${(error as Error).message.slice(0, 400)}`);
    return;
  } finally {
    sent++;
  }
  covered.add(key(probe.route));
  const { status, body } = response;
  statuses[status] = (statuses[status] ?? 0) + 1;
  const type = response.headers.get('content-type') ?? '';
  if (status >= 500) return void failures.push(`${where}: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  if (probe.expect === 'invalid' && status < 400) return void failures.push(`${where}: ${status} for input the document refuses`);
  // A 4xx the document gives as a problem (not a page, not RFC 6749's token errors, not API Gateway's own) is one, every field present.
  const documented = Object.keys(operationOf(probe.route)!.responses[String(status)]?.content ?? {});
  const problem = status >= 400 && documented.includes('application/problem+json') && !type.startsWith('application/json');
  if (problem) {
    if (!type.startsWith('application/problem+json')) return void failures.push(`${where}: ${status} answered ${type}, not a problem document`);
    for (const field of ['type', 'title', 'status', 'code', 'detail', 'errors'] as const) {
      if (body?.[field] === undefined) return void failures.push(`${where}: problem document without ${field}`);
    }
  }
  // Input the document accepts may still be refused for what it cannot draw (a refinement: `permission` is a code of the catalogue); only a fault it refuses must be the field named.
  if (status === 400 && probe.expect === 'invalid' && probe.names && problem) {
    const paths: string[] = (body.errors ?? []).map((e: { path: string }) => e.path);
    const wanted = probe.unknownKey ? [probe.names, probe.unknownKey].filter((p) => p !== 'body').join('.') : probe.names;
    // The field at fault, or a field under it (`actions.0` at fault, `actions.0.op` named; a role's `permissions[0]` under `permissions`).
    if (!paths.some((p) => p === wanted || p.startsWith(`${wanted}.`) || p.startsWith(`${wanted}[`))) failures.push(`${where}: 400 ${body.code} names ${JSON.stringify(paths)}, not ${wanted}`);
  }
}

async function inPool<T>(items: T[], worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await worker(items[next++]!);
  }));
}

const auditHead = async () => {
  const page = await call('GET', '/audit?limit=200', { token: admin });
  expect(page.status).toBe(200);
  return (page.body.items as { id: string }[]).map((r) => r.id);
};

beforeAll(async () => {
  const served = await call('GET', '/openapi.json');
  expect(served.status).toBe(200);
  document = served.body;
  ajv.addSchema({ ...document, $id: DOC_ID });
  walker = new SchemaWalker(document);

  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const school = trust.nodes['North School']!.id;
  const user = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
  const role = await call('POST', '/roles', { token: admin, body: { name: `Sweep role ${randomUUID().slice(0, 8)}`, permissions: ['users.view'] } });
  expect(role.status).toBe(201);
  const schedule = await call('POST', '/report-schedules', { token: admin, body: { report: 'users', params: { nodeId: school }, cadence: 'daily', hour: 8, recipientIds: [trust.adminId] } });
  expect(schedule.status).toBe(201);
  Object.assign(real, {
    id: user.id,
    nodeId: school,
    assignmentId: user.roles[0].id,
    subjectId: 'sweep-pupil-1',
    name: 'users',
    'PATCH /nodes/{id} id': school,
    'DELETE /nodes/{id} id': school,
    'GET /nodes/{id}/managers id': school,
    'GET /nodes/{id}/mis id': school,
    'PUT /nodes/{id}/mis id': school,
    'PUT /nodes/{id}/mis/roster id': school,
    'POST /nodes/{id}/mis/runs id': school,
    'GET /nodes/{id}/mis/runs id': school,
    'PATCH /roles/{id} id': role.body.id,
    'DELETE /roles/{id} id': role.body.id,
    'PATCH /report-schedules/{id} id': schedule.body.id,
    'DELETE /report-schedules/{id} id': schedule.body.id,
  });
});

describe('bad input on every route: never a 500, a problem naming the field, nothing changed', () => {
  it('sweeps every route of the route table', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const before = await auditHead();
    // Cursors other routes gave out, sent where a route takes one.
    const cursors = [
      (await call('GET', '/audit?limit=1', { token: admin })).body.nextCursor,
      (await call('GET', '/users?limit=1', { token: admin })).body.nextCursor,
    ].filter((c): c is string => typeof c === 'string');
    const swept = routes.filter((route) => !(key(route) in UNSWEPT));
    for (const route of swept) expect(operationOf(route), `${key(route)} is in /openapi.json`).toBeDefined();
    const probes = swept.flatMap((route) => probesFor(route, cursors));
    await inPool(probes, send);
    const after = await auditHead();

    console.log(`bad-input sweep: ${swept.length} routes, ${sent} requests (${probes.filter((p) => p.expect === 'invalid').length} refused by the document), ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(statuses)}`);
    expect(failures).toEqual([]);
    expect(swept.filter((route) => !covered.has(key(route))).map(key)).toEqual([]);
    expect(Object.keys(UNSWEPT).filter((k) => !routes.some((route) => key(route) === k)), 'UNSWEPT names only routes of the table').toEqual([]);
    expect(after, 'no audit record written by the sweep').toEqual(before);
  });
});
