import { version } from '../../package.json';
import { routes, type RouteDef } from '../routes';
import { GATEWAY_MEDIA_TYPE, GATEWAY_REFUSALS, type GatewayRefusalStatus } from '../http/gateway-refusals';
import { IDEMPOTENCY_KEY_FORMAT, IF_MATCH_VERSION } from '../http/header-formats';
import { problemSchema } from '../shared/schemas';
import * as z from '../shared/zod';

type ZodType = z.ZodMiniType;

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

const PROBLEM = 'application/problem+json';

const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: true,
  description: 'The version the change is based on (the ETag of the last read, e.g. "3"; 3 and W/"3" too, not *); 412 when stale, 428 when missing',
  // The check of requireIfMatch (functions/http/responses.ts), which trims the value first.
  schema: { type: 'string', pattern: `^[ \\t]*${IF_MATCH_VERSION.source.slice(1, -1)}[ \\t]*$` },
};

/** `ifMatch: 'digest'`: the version is a digest the route compares as it is (PUT /access-matrix): any other value is 412, none 428. */
const IF_MATCH_DIGEST = {
  ...IF_MATCH,
  description: 'The version the change is based on (the ETag of the last read); 412 when stale, 428 when missing',
  schema: { type: 'string' },
};

/** `ifMatch: 'create'`: a save without If-Match only creates the document (PUT /nodes/{id}/mis; review F, F-3). */
const IF_MATCH_UNLESS_CREATING = {
  ...IF_MATCH,
  required: false,
  description: 'The version the change is based on (the ETag of the last read, e.g. "3"; "0" creates); 412 when stale. Without it the request only creates: 428 if the document exists, 412 if it was created meanwhile',
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A key the client chose (1-255 visible ASCII characters, e.g. a UUID): the first answer is kept 24 hours and replayed for a repeat (header idempotent-replayed: true); another body with the same key is 422 idempotency_key_reused, a repeat while the first runs is 409 idempotency_in_progress',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_FORMAT.source },
};

/**
 * API Gateway's own answers (review H, H-4): `{"message": "..."}` as
 * application/json, one component per status with its fixed message, listed
 * beside the problem documents the functions answer with the same status:
 * 401 and 403 from the JWT authorizer on signed-in routes, 429 from the stage
 * throttle and 500 when the function fails, on every route. (Its 404 is for
 * paths and methods with no route, so no operation lists it.)
 */
const GATEWAY_COMPONENT: Record<Exclude<GatewayRefusalStatus, 404>, string> = {
  401: 'GatewayUnauthorized',
  403: 'GatewayForbidden',
  429: 'GatewayTooManyRequests',
  500: 'GatewayInternalServerError',
};

const GATEWAY_DESCRIPTION: Record<Exclude<GatewayRefusalStatus, 404>, string> = {
  401: 'the JWT authorizer refused the token (none, expired or invalid)',
  403: 'the JWT authorizer: a valid token with none of the route\'s scopes (an integration client\'s token outside its scopes, an ID token)',
  429: 'the stage throttle',
  500: 'the function failed to answer',
};

function gatewaySchemas(): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(GATEWAY_COMPONENT).map(([status, name]) => [name, {
    type: 'object',
    description: `API Gateway's own ${status}, not a problem document: ${GATEWAY_DESCRIPTION[Number(status) as keyof typeof GATEWAY_DESCRIPTION]}`,
    properties: { message: { type: 'string', const: GATEWAY_REFUSALS[Number(status) as GatewayRefusalStatus] } },
    required: ['message'],
    additionalProperties: false,
  }]));
}

/** Adds API Gateway's own answer to a status an operation documents (or documents it), beside what the function answers. */
function withGatewayAnswer(response: { description: string; content?: Record<string, { schema: unknown }> } | undefined, status: keyof typeof GATEWAY_COMPONENT) {
  const gateway = { $ref: `#/components/schemas/${GATEWAY_COMPONENT[status]}` };
  const note = `API Gateway's own {"message":"${GATEWAY_REFUSALS[status]}"} (${GATEWAY_MEDIA_TYPE}): ${GATEWAY_DESCRIPTION[status]}`;
  if (!response) return { description: note, content: { [GATEWAY_MEDIA_TYPE]: { schema: gateway } } };
  const content = { ...response.content };
  const own = content[GATEWAY_MEDIA_TYPE];
  content[GATEWAY_MEDIA_TYPE] = { schema: own ? { oneOf: [own.schema, gateway] } : gateway };
  return { description: `${response.description}; or ${note}`, content };
}

/**
 * Shared schemas (those registered with an id) live once under
 * components/schemas. `z.toJSONSchema` of one schema puts them in its own
 * `$defs` and points at `#/$defs/<id>`, which means nothing inside an OpenAPI
 * document; they are hoisted here and every ref is rewritten. A schema whose
 * request (input) form differs from its answer (output) form, e.g. through
 * defaults, gets a second component named `<id>Input`.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  toSchema(schema: ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _ignored, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    const defs = Object.entries($defs ?? {});
    const rewrite = <T>(value: T, names: (id: string) => string): T => JSON.parse(JSON.stringify(value), (key, v: unknown) =>
      key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${names(v.slice(8))}` : v);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const names = new Map<string, string>();
    for (const [id, def] of defs) {
      const existing = this.schemas[id];
      names.set(id, !existing || same(existing, rewrite(def, (other) => other)) ? id : `${id}${io === 'input' ? 'Input' : 'Output'}`);
    }
    const final = (id: string) => names.get(id) ?? id;
    for (const [id, def] of defs) {
      const name = final(id);
      const hoisted = rewrite(def, final);
      if (this.schemas[name] && !same(this.schemas[name], hoisted)) throw new Error(`openapi: two different schemas are registered as ${id}`);
      this.schemas[name] = hoisted;
    }
    return rewrite(rest, final);
  }
}

function parameters(components: Components, schema: ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = components.toSchema(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

/** `functions/users/get-user-access.ts` → `usersGetUserAccess`: unique because every route has its own module. */
export const operationId = (route: RouteDef) =>
  route.handler.replace(/^functions\//, '').replace(/\.ts$/, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase());

function operation(components: Components, route: RouteDef) {
  const problem = (description: string) => ({ description, content: { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } } });
  const responses: Record<string, unknown> = {};
  const documented: RouteDef['responses'] = {};
  if (route.request) documented[400] = { description: 'validation_failed: the errors name each bad field' };
  if (route.auth === 'user') {
    documented[401] = { description: 'unauthenticated: no valid bearer token' };
    // Any signed-in route: an integration client's token outside its scopes, or the trust's 2FA policy for administration (review F, F-6).
    documented[403] = {
      description: route.clientScope
        ? `forbidden: a token without the ${route.clientScope} scope (integration clients); mfa_required under the trust's 2FA policy`
        : "forbidden: an integration client's token (this route takes none); mfa_required under the trust's 2FA policy",
    };
  }
  if (route.request?.params) documented[404] = { description: 'not_found (or outside your reach)' };
  // DynamoDB or Cognito throttling (and, for integration clients, their rate limit) on any route that calls them.
  if (route.table !== 'none' || route.cognito?.length || route.clientScope) documented[429] = { description: route.clientScope ? "throttled: the integration client's rate limit, or the service is busy (Retry-After: seconds)" : 'throttled: the service is busy; try again' };
  if (route.table === 'write') documented[409] = { description: 'concurrent_change: the records changed under this request too often; try again' };
  if (route.request?.ifMatch) {
    documented[412] = { description: 'version_conflict: If-Match is not the current version' };
    documented[428] = { description: route.request.ifMatch === 'create' ? 'precondition_required: no If-Match, and the document exists' : 'precondition_required: no If-Match' };
  }
  if (route.request?.idempotencyKey) {
    documented[409] = { description: 'idempotency_in_progress: a request with this Idempotency-Key is still running' };
    documented[422] = { description: 'idempotency_key_reused: this Idempotency-Key came with another body' };
  }
  Object.assign(documented, route.responses);
  documented[500] ??= { description: 'A bug' };
  // Every function answers this just before its Lambda timeout (functions/http/errors.ts); a route with a 503 of its own lists both.
  const timeout = 'timeout: the function ran out of time; part of it may have been done (check before trying again)';
  const own = documented[503];
  documented[503] = !own ? { description: timeout } : own.description.startsWith('timeout') ? own : { ...own, description: `${own.description}; or ${timeout}` };
  for (const [status, response] of Object.entries(documented)) {
    const contentType = response.contentType ?? (Number(status) >= 400 ? PROBLEM : 'application/json');
    responses[status] = response.schema
      ? {
          description: response.description,
          content: {
            [contentType]: { schema: components.toSchema(response.schema, 'output') },
            ...Object.fromEntries(Object.entries(('alsoAs' in response && response.alsoAs) || {}).map(([type, schema]) => [type, { schema: components.toSchema(schema, 'output') }])),
          },
        }
      : contentType === PROBLEM
        ? problem(response.description)
        : { description: response.description };
  }
  for (const status of [401, 403, 429, 500] as const) {
    if ((status === 401 || status === 403) && route.auth !== 'user') continue;
    responses[status] = withGatewayAnswer(responses[status] as Parameters<typeof withGatewayAnswer>[0], status);
  }
  const body = route.request?.body;
  const bodyType = route.request?.bodyContentType ?? 'application/json';
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.tag],
    security: route.auth === 'user' ? [{ bearer: [] }] : [],
    parameters: [
      ...parameters(components, route.request?.params, 'path'),
      ...parameters(components, route.request?.query, 'query'),
      ...(route.request?.ifMatch ? [route.request.ifMatch === 'create' ? IF_MATCH_UNLESS_CREATING : route.request.ifMatch === 'digest' ? IF_MATCH_DIGEST : IF_MATCH] : []),
      ...(route.request?.idempotencyKey ? [IDEMPOTENCY_KEY] : []),
    ],
    ...(body
      ? {
          requestBody: {
            required: true,
            content: {
              [bodyType]: { schema: components.toSchema(body, 'input') },
              ...Object.fromEntries(Object.entries(route.request?.otherBodies ?? {}).map(([type, schema]) => [type, { schema: components.toSchema(schema, 'input') }])),
            },
          },
        }
      : {}),
    responses,
  };
}

const TAGS: Record<string, string> = {
  Service: 'Liveness and this document',
  Authentication: 'Sign-in, TOTP step, refresh, sign-out, invitations and password resets (no bearer token)',
  Pages: 'The HTML pages that emailed links open, and their form posts',
  Organisation: "The trust's tree of clusters and schools, and its settings",
  Roles: 'The permission catalogue, roles and the access matrix',
  Users: 'Accounts: profile, placements, role assignments, child links, sign-in state',
  Safeguarding: "Blocks that keep a person from a pupil's record",
  Decisions: 'Access decisions for other school apps',
  'The caller': 'The signed-in person: profile, permissions, TOTP',
  Audit: 'Who changed what, newest first',
};

/**
 * The OpenAPI 3.1 document, built from the route table and the zod schemas
 * that validate requests. `serverUrl` is the API's own base URL (the docs
 * handler passes the host the request came to), so the document names the
 * deployment that serves it.
 */
export function openApiDocument(serverUrl?: string) {
  const components = new Components();
  components.toSchema(problemSchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(components, route);
    tags.add(route.tag);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trust access platform',
      version,
      description:
        'Accounts, organisation tree and access decisions for groups of schools. Errors are RFC 9457 problem documents (application/problem+json) with a stable `code`, '
        + 'except what API Gateway answers itself, `{"message": "..."}` as application/json: 401 Unauthorized and 403 Forbidden from the JWT authorizer, '
        + '404 Not Found for a path or method with no route, 429 Too Many Requests from the stage throttle, 500 Internal Server Error when a function fails to answer.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [serverUrl ? { url: serverUrl, description: 'This deployment' } : { url: '/', description: 'The host that serves this document' }],
    tags: [...tags].map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Cognito access token (POST /auth/login)' } },
      schemas: Object.fromEntries(Object.entries({ ...components.schemas, ...gatewaySchemas() }).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
