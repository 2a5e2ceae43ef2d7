import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { createUser } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * Security review B, F2: a crafted cursor (`{"sk":""}`, a key part over
 * DynamoDB's 1,024 bytes, keys the list does not use) reached DynamoDB and
 * came back a 500. Every list that decodes a cursor answers 400
 * `invalid_cursor` naming `query.cursor` instead, and still pages with its own.
 */

let trust: TestTrust;
let admin2fa: string;
let userId: string;
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Cursors no list gave out, of every wrong shape. */
const crafted: [string, string][] = [
  ['an empty sort key', cursor({ sk: '' })],
  ['a sort key of 1,200 bytes', cursor({ sk: `2026-01-01T00:00:00.000Z#${'€'.repeat(400)}` })],
  ['a key the index does not use', cursor({ sk: '2026-01-01T00:00:00.000Z#x', pk: 'TRUST#other' })],
  ['a number', cursor({ sk: 5 })],
  ['an array', cursor(['sk'])],
  ['not JSON', Buffer.from('{sk').toString('base64url')],
];

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  userId = (await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['North School']!.id }] })).id;
}, 60_000);

const expectInvalid = (response: { status: number; body: any }, what: string) => {
  expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBe(400);
  expect(response.body).toMatchObject({ code: 'invalid_cursor', errors: [expect.objectContaining({ path: 'query.cursor' })] });
};

describe('crafted cursors are 400 invalid_cursor', () => {
  it('GET /audit, on the table and on the actor and target indexes', async () => {
    for (const [what, value] of crafted) {
      expectInvalid(await call('GET', `/audit?cursor=${value}`, { token: trust.token }), `audit ${what}`);
      expectInvalid(await call('GET', `/audit?targetId=${userId}&cursor=${value}`, { token: trust.token }), `audit by target ${what}`);
      expectInvalid(await call('GET', `/audit?actorId=${trust.adminId}&cursor=${value}`, { token: trust.token }), `audit by actor ${what}`);
    }
    expectInvalid(await call('GET', `/audit?cursor=${cursor({ sk: 'not-a-time#id' })}`, { token: trust.token }), 'audit, not <time>#<id>');
  });

  it('GET /integrations', async () => {
    for (const [what, value] of crafted) expectInvalid(await call('GET', `/integrations?cursor=${value}`, { token: admin2fa }), `integrations ${what}`);
    expectInvalid(await call('GET', `/integrations?cursor=${cursor({ sk: 'a b' })}`, { token: admin2fa }), 'integrations, not an id');
  });

  it('GET /me/notifications', async () => {
    for (const [what, value] of crafted) expectInvalid(await call('GET', `/me/notifications?cursor=${value}`, { token: trust.token }), `feed ${what}`);
  });

  it('GET /users/{id}/access', async () => {
    for (const value of [cursor({ after: '' }), cursor({ after: 'x'.repeat(1100) }), cursor({ after: trust.rootId, sk: 'x' })]) {
      expectInvalid(await call('GET', `/users/${userId}/access?cursor=${value}`, { token: trust.token }), 'access');
    }
  });
});

describe('the lists still page with their own cursors', () => {
  it('GET /audit and GET /users/{id}/access', async () => {
    const first = await call('GET', '/audit?limit=1', { token: trust.token });
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/audit?limit=1&cursor=${first.body.nextCursor}`, { token: trust.token });
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const access = await call('GET', `/users/${trust.adminId}/access?limit=1`, { token: trust.token });
    expect(access.status).toBe(200);
    expect(access.body.nextCursor).toEqual(expect.any(String));
    expect((await call('GET', `/users/${trust.adminId}/access?limit=1&cursor=${access.body.nextCursor}`, { token: trust.token })).status).toBe(200);
  });
});
