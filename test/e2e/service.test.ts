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
