import type { Middleware } from 'openapi-fetch';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrustAccessClient, isProblem, type Schemas, type TrustAccessClient } from '../../../client';
import { stack } from '../../fixtures/api';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';
import { assertConforms } from '../../support/openapi-conformance';

/**
 * The organisation tree through the typed client, as an API consumer would use
 * it: openapi-fetch over client/schema.d.ts, signed in with POST /auth/login.
 * Every answer is still checked against the document.
 */
const conformance: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type');
    const body = text && /json/.test(contentType ?? '') ? JSON.parse(text) : text;
    assertConforms(request.method, new URL(request.url).pathname, response.status, contentType, body, text);
  },
};

let trust: TestTrust;
let api: TrustAccessClient;

beforeAll(async () => {
  trust = await makeTrust();
  api = createTrustAccessClient(stack().url, { middleware: [conformance] });
  const { data, error } = await api.POST('/auth/login', { body: { email: trust.adminEmail, password: TEST_PASSWORD } });
  expect(error).toBeUndefined();
  if (!data || !('accessToken' in data)) throw new Error('expected tokens, not a TOTP challenge');
  api.signIn(data.accessToken);
});

describe('the typed client: the organisation tree', () => {
  it('reads the tree: GET /nodes, root first', async () => {
    const { data, response } = await api.GET('/nodes');
    expect(response.status).toBe(200);
    const items: Schemas['Node'][] = data!.items;
    expect(items[0]).toMatchObject({ id: trust.rootId, kind: 'trust', parentId: null });
  });

  it('adds, renames with If-Match, and deletes a school', async () => {
    const created = await api.POST('/nodes', { body: { kind: 'school', name: 'Typed Primary', parentId: trust.nodes.North!.id, label: 'Academy' } });
    expect(created.response.status).toBe(201);
    const school = created.data!;
    expect(school).toMatchObject({ kind: 'school', name: 'Typed Primary', version: 1 });

    const renamed = await api.PATCH('/nodes/{id}', {
      params: { path: { id: school.id }, header: { 'If-Match': `"${school.version}"` } },
      body: { name: 'Typed Primary Academy' },
    });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data).toMatchObject({ id: school.id, name: 'Typed Primary Academy', version: 2 });

    const managers = await api.GET('/nodes/{id}/managers', { params: { path: { id: school.id } } });
    expect(managers.data).toMatchObject({ nodeId: school.id, managers: [] });

    const deleted = await api.DELETE('/nodes/{id}', { params: { path: { id: school.id } } });
    expect(deleted.response.status).toBe(204);
    expect((await api.GET('/nodes')).data!.items.map((node) => node.id)).not.toContain(school.id);
  });

  it("gives the problem document as a typed error (409 name_taken, 400 validation_failed), and API Gateway's own { message } for 401 without a token", async () => {
    const taken = await api.POST('/nodes', { body: { kind: 'school', name: 'North School', parentId: trust.nodes.North!.id } });
    expect(taken.response.status).toBe(409);
    expect(taken.error).toMatchObject({ status: 409, code: 'name_taken' });

    const bad = await api.POST('/nodes', { body: { kind: 'school', name: '', parentId: trust.rootId } });
    expect(bad.response.status).toBe(400);
    if (!isProblem(bad.error)) throw new Error(`expected a problem document, got ${JSON.stringify(bad.error)}`);
    expect(bad.error.code).toBe('validation_failed');
    expect(bad.error.errors.map((e) => e.path)).toContain('name');

    // The JWT authorizer answers before any function (review H, H-4): not a problem document, as in AWS.
    const anonymous = createTrustAccessClient(stack().url, { middleware: [conformance] });
    const refused = await anonymous.GET('/nodes');
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('content-type')).toBe('application/json');
    expect(isProblem(refused.error)).toBe(false);
    expect(refused.error).toEqual({ message: 'Unauthorized' });
  });
});
