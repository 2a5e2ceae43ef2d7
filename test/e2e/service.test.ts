import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { call } from '../fixtures/api';

describe('GET /health', () => {
  it('answers ok without a token', async () => {
    const response = await call('GET', '/health');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with every route of the route table and bearer auth on signed-in routes', async () => {
    const { status, body } = await call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const route of routes) {
      const operation = body.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.security).toEqual(route.auth === 'user' ? [{ bearer: [] }] : []);
    }
  });

  it('describes request bodies from the zod schemas that validate them', async () => {
    const { body } = await call('GET', '/openapi.json');
    const schema = body.paths['/nodes'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['kind', 'name', 'parentId']));
    expect(schema.properties.kind.enum).toEqual(['cluster', 'school']);
    expect(schema.additionalProperties).toBe(false);
    const params = body.paths['/audit'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['nodeId', 'actorId', 'targetId', 'from', 'to', 'cursor', 'limit']));
  });
});

describe('the local gateway', () => {
  it('answers 404 problem for an unknown path and 405 for a wrong method', async () => {
    expect((await call('GET', '/no-such-thing')).status).toBe(404);
    expect((await call('PUT', '/health')).status).toBe(405);
  });

  it('serves the mailbox at GET /_local/mail', async () => {
    const response = await call('GET', '/_local/mail');
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body.items)).toBe(true);
  });

  it('answers 404 unknown_job for a job that does not exist', async () => {
    const response = await call('POST', '/_local/run/no-such-job');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('unknown_job');
  });
});
