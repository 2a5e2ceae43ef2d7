import { describe, expect, it } from 'vitest';
import { assertConforms, findOperation } from '../support/openapi-conformance';

const check = (method: string, path: string, status: number, contentType: string | null, body: unknown) =>
  () => assertConforms(method, path, status, contentType, body, typeof body === 'string' ? body : JSON.stringify(body));

describe('the response-conformance check of the e2e client', () => {
  it('finds the operation by method and path template, a literal path before a template', () => {
    expect(findOperation('GET', '/users/u-1/access?limit=5')?.template).toBe('/users/{id}/access');
    expect(findOperation('POST', '/auth/password-reset/confirm')?.template).toBe('/auth/password-reset/confirm');
    expect(findOperation('GET', '/_local/mail')).toBeUndefined();
  });

  it('accepts an answer the document promises', () => {
    expect(check('GET', '/health', 200, 'application/json', { status: 'ok' })).not.toThrow();
    const problem = { type: 'urn:trust-access:problem:not_found', title: 'Not found', status: 404, detail: 'Not found', code: 'not_found', errors: [] };
    expect(check('GET', '/users/u-1', 404, 'application/problem+json', problem)).not.toThrow();
  });

  it('fails a drift: an undocumented field, a wrong type, an undocumented status, a wrong media type, a body where none is documented', () => {
    expect(check('GET', '/health', 200, 'application/json', { status: 'ok', uptime: 3 })).toThrow(/GET \/health .*→ 200: body does not match.*additional properties/);
    expect(check('GET', '/health', 200, 'application/json', { status: 'fine' })).toThrow(/must be equal to constant/);
    expect(check('GET', '/nodes', 418, 'application/json', {})).toThrow(/GET \/nodes .*→ 418: status not documented/);
    expect(check('GET', '/users/u-1', 404, 'application/json', { code: 'not_found' })).toThrow(/answered application\/json, documented application\/problem\+json/);
    expect(check('DELETE', '/nodes/n-1', 204, 'application/json', { ok: true })).toThrow(/documented without a body/);
  });

  it("accepts API Gateway's own answers only where the gateway gives them, with their fixed message (review H, H-4)", () => {
    expect(check('GET', '/nodes', 401, 'application/json', { message: 'Unauthorized' })).not.toThrow();
    expect(check('GET', '/nodes', 403, 'application/json', { message: 'Forbidden' })).not.toThrow();
    expect(check('GET', '/health', 429, 'application/json', { message: 'Too Many Requests' })).not.toThrow();
    expect(check('GET', '/nodes', 401, 'application/json', { message: 'Forbidden' })).toThrow(/must be equal to constant/);
    // A public route has no authorizer: its 401 is the function's problem document only.
    expect(check('POST', '/auth/login', 401, 'application/json', { message: 'Unauthorized' })).toThrow(/answered application\/json, documented application\/problem\+json/);
    // The function's refusals stay problem documents.
    const revoked = { type: 'urn:trust-access:problem:session_revoked', title: 'Signed out', status: 401, detail: 'Signed out', code: 'session_revoked', errors: [] };
    expect(check('GET', '/nodes', 401, 'application/problem+json', revoked)).not.toThrow();
  });
});
