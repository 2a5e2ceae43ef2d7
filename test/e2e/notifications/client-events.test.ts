import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/** A school app posts events with its own client credentials (scope notifications.send), cut to its node. */
let trust: TestTrust;
let admin2fa: string;
const node = (name: string) => trust.nodes[name]!.id;

async function clientToken(scopes: string[], nodeId: string): Promise<string> {
  const created = await call('POST', '/integrations', { token: admin2fa, body: { name: `App ${randomUUID().slice(0, 8)}`, scopes, nodeId } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const basic = Buffer.from(`${encodeURIComponent(created.body.clientId)}:${encodeURIComponent(created.body.clientSecret)}`).toString('base64');
  const token = await call('POST', '/oauth2/token', { rawBody: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
  expect(token.status).toBe(200);
  return token.body.access_token;
}

const event = (nodeId: string) => ({ category: 'behaviour', nodeId, title: 'Merit', occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID() });

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('POST /notifications/events from an integration client', () => {
  it('accepts an event at or under its node, decides the same recipients, and refuses one outside it', async () => {
    const teacher = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    const token = await clientToken(['notifications.send'], node('North'));
    const accepted = await call('POST', '/notifications/events', { token, body: event(node('North School')) });
    expect(accepted.status).toBe(202);
    const feed = await call('GET', '/me/notifications', { token: teacher.token });
    expect(feed.body.items.map((i: any) => i.id)).toContain(accepted.body.id);
    const outside = await call('POST', '/notifications/events', { token, body: event(node('South School')) });
    expect(outside.status).toBe(403);
  });

  it('refuses a client without the notifications.send scope (403)', async () => {
    const token = await clientToken(['authz.check'], node('North'));
    expect((await call('POST', '/notifications/events', { token, body: event(node('North School')) })).status).toBe(403);
  });
});
