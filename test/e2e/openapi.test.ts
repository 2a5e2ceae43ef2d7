import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { routes } from '../../functions/routes';
import { call, stack } from '../fixtures/api';

/** Warnings of redocly's recommended rules left on purpose (README, "The OpenAPI document"). */
const ACCEPTED_WARNINGS = [
  // Only here: the local stack's document names its loopback server (http://127.0.0.1:<port>).
  'no-server-example.com',
  // API.md fixes GET /users/imports/{importId} beside /users/{id}/…: they overlap only for an import id
  // that is a /users/{id}/ sub-path name (access, roles…); import ids are UUIDs.
  'no-ambiguous-paths',
  // Review E, E4: the emailed report link's success is a redirect (303 to a fresh presigned download), never a 2xx.
  'operation-2xx-response GET /reports/files/{fileId}',
];

const GATEWAY_ANSWERS: Record<string, string> = { 401: 'GatewayUnauthorized', 403: 'GatewayForbidden', 429: 'GatewayTooManyRequests', 500: 'GatewayInternalServerError' };

describe('GET /openapi.json', () => {
  let document: any;
  let source: string;
  beforeAll(async () => {
    const response = await call('GET', '/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
    source = JSON.stringify(document);
  });

  it('is valid OpenAPI 3.1 by the OpenAPI JSON schema, every $ref resolving (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("passes redocly's recommended rules with no error and only the warnings the README names", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: `${stack().url}/openapi.json`, config });
    const errors = problems.filter((problem) => problem.severity === 'error');
    expect(errors.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
    const warnings = problems
      .filter((problem) => problem.severity === 'warn')
      .map((problem) => {
        const [, path, method] = /^#\/paths\/([^/]+)\/(\w+)/.exec(problem.location[0]?.pointer ?? '') ?? [];
        return path ? `${problem.ruleId} ${method?.toUpperCase()} ${path.replace(/~1/g, '/')}` : problem.ruleId;
      });
    expect(warnings.sort()).toEqual([...ACCEPTED_WARNINGS].sort());
  });

  it('names this server, carries the package version and puts shared schemas under components/schemas', () => {
    expect(document.servers).toEqual([{ url: stack().url.replace(/\/$/, ''), description: 'This deployment' }]);
    expect(document.info.version).toBe(version);
    expect(source).not.toContain('$defs');
    for (const [, ref] of source.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(document.components.schemas[ref!], ref).toBeDefined();
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'User', 'Tokens', 'Node', 'AccessReport']));
  });

  it('has every route of the route table with an operationId, a summary, its security, and a schema for every answer with a body', () => {
    const ids = new Set<string>();
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, name).toBeDefined();
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      ids.add(operation.operationId);
      expect(operation.summary, name).toBeTruthy();
      expect(operation.security, name).toEqual(route.auth === 'user' ? [{ bearer: [] }] : []);
      if (route.request?.body) expect(Object.values(operation.requestBody.content)[0], name).toHaveProperty('schema');
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (status === '204') {
          expect(response.content, `${name} ${status}`).toBeUndefined();
          continue;
        }
        const [, content] = Object.entries<any>(response.content ?? {})[0] ?? [];
        expect(content?.schema, `${name} ${status}: a schema`).toBeDefined();
        // API Gateway's own answers (review H, H-4): the authorizer's 401/403 on signed-in routes, the stage throttle's 429
        // and the failed function's 500 everywhere, as application/json { message }, beside what the function answers.
        const gateway = GATEWAY_ANSWERS[status];
        const byGateway = gateway !== undefined && (route.auth === 'user' || status === '429' || status === '500');
        if (byGateway) expect(JSON.stringify(response.content['application/json']?.schema), `${name} ${status}`).toContain(`"#/components/schemas/${gateway}"`);
        const own = Object.keys(response.content).filter((type) => !(byGateway && type === 'application/json' && !response.content[type].schema.oneOf));
        // The token endpoint's 400/401 are RFC 6749 §5.2 error objects ({ error, error_description }), which OAuth clients parse.
        const oauthError = route.path === '/oauth2/token' && (status === '400' || status === '401');
        if (Number(status) >= 400 && route.tag !== 'Pages' && own.length > 0) expect(own[0], `${name} ${status}`).toBe(oauthError ? 'application/json' : 'application/problem+json');
      }
    }
    expect(ids.size).toBe(routes.length);
  });

  it("documents what any signed-in route may answer beside its own: 403 (a client token outside its scopes, the trust's 2FA policy), 429, and 409 on writes (review F, F-6)", async () => {
    const { routes } = await import('../../functions/routes');
    for (const route of routes.filter((r) => r.auth === 'user')) {
      const responses = document.paths[route.path][route.method.toLowerCase()].responses;
      expect(Object.keys(responses), `${route.method} ${route.path}`).toEqual(expect.arrayContaining(['401', '403', '429', ...(route.table === 'write' ? ['409'] : [])]));
    }
  });

  it('describes request bodies from the zod schemas that validate them', () => {
    const schema = document.paths['/nodes'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['kind', 'name', 'parentId']));
    expect(schema.properties.kind.enum).toEqual(['cluster', 'school']);
    expect(schema.additionalProperties).toBe(false);
    const params = document.paths['/audit'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['nodeId', 'actorId', 'targetId', 'from', 'to', 'cursor', 'limit']));
  });
});
