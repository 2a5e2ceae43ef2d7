import { describe, expect, it } from 'vitest';
import { call } from '../fixtures/api';

describe('GET /health', () => {
  it('answers ok without a token', async () => {
    const response = await call('GET', '/health');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});

// GET /openapi.json: test/e2e/openapi.test.ts.

describe('the local gateway', () => {
  it("answers an unknown path and a method with no route as API Gateway does: 404 {\"message\":\"Not Found\"} (an HTTP API has no 405; review H, H-4)", async () => {
    for (const [method, path] of [['GET', '/no-such-thing'], ['PUT', '/health']] as const) {
      const response = await call(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.body).toEqual({ message: 'Not Found' });
    }
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
