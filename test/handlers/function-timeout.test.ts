import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { handler as invitePage } from '../../functions/pages/invite-page';
import { handler as slow } from '../fixtures/handlers/slow-log';
import { httpEvent, lambdaContext } from '../fixtures/events';

/**
 * A function that runs out of time answers what happened (503 `timeout`, a
 * problem document the caller may retry), not a 500 that says "a bug": seen
 * when a 10,000-row import preview met its 29 s on a starved machine.
 */
describe('a function near its Lambda timeout', () => {
  it('answers 503 timeout as a problem document, just before the timeout', async () => {
    // TIMEOUT_MARGIN_MS (1 s) before the end: with 1.2 s left, the 3 s of work is answered for after 0.2 s (a 200 would mean it was not).
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1200 };
    const result = await slow(httpEvent({ method: 'GET', path: '/slow', query: { wait: '3000' } }), context);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(result.body!)).toMatchObject({ status: 503, code: 'timeout', type: 'urn:trust-access:problem:timeout', errors: [] });
  });

  it('answers as usual when the work ends in time (control)', async () => {
    const result = await slow(httpEvent({ method: 'GET', path: '/slow', query: { wait: '10' } }), lambdaContext());
    expect(result.statusCode).toBe(200);
  });
});

describe('a page opened from an email, near its timeout (review L, L6)', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  afterAll(() => ddb.restore());

  it('answers the 503 as a page a browser shows, never a JSON body', async () => {
    ddb.on(GetCommand).callsFake(() => new Promise((resolve) => setTimeout(() => resolve({}), 3000)));
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 1200 };
    const result = await invitePage(httpEvent({ method: 'GET', path: '/invite', query: { token: 'a'.repeat(43) } }), context);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    expect(result.body).toContain('took too long');
  });
});
