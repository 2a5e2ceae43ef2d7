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

  it("keys idempotency by sender: another app (or a person) reusing an app's key gets its own event delivered, never the first one's id or count", async () => {
    const dsl = await actor({ ...trust, token: admin2fa }, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') }] });
    const [appA, appB] = [await clientToken(['notifications.send'], node('North')), await clientToken(['notifications.send'], node('North'))];
    const key = randomUUID();
    const first = await call('POST', '/notifications/events', { token: appA, body: { ...event(node('North School')), idempotencyKey: key } });
    expect(first.body).toMatchObject({ duplicate: false });
    const other = await call('POST', '/notifications/events', { token: appB, body: { ...event(node('North School')), category: 'pastoral', title: 'Pastoral note', idempotencyKey: key } });
    expect(other.status).toBe(202);
    expect(other.body.duplicate).toBe(false);
    expect(other.body.id).not.toBe(first.body.id);
    const byPerson = await call('POST', '/notifications/events', { token: admin2fa, body: { ...event(node('North School')), idempotencyKey: key } });
    expect(byPerson.body.duplicate).toBe(false);
    expect(new Set([first.body.id, other.body.id, byPerson.body.id]).size).toBe(3);
    const feed = (await call('GET', '/me/notifications', { token: dsl.token })).body.items.map((i: any) => i.id);
    expect(feed).toEqual(expect.arrayContaining([first.body.id, other.body.id, byPerson.body.id]));
    // The same app with the same key is still the same event.
    const again = await call('POST', '/notifications/events', { token: appA, body: { ...event(node('North School')), idempotencyKey: key } });
    expect(again.body).toEqual({ id: first.body.id, recipients: first.body.recipients, duplicate: true });
  });

  it("refuses a key in the service's own namespace (400 naming idempotencyKey), from an app or a person", async () => {
    const app = await clientToken(['notifications.send'], node('North'));
    for (const token of [app, admin2fa]) {
      const refused = await call('POST', '/notifications/events', { token, body: { ...event(node('North School')), idempotencyKey: `service:outbox:${randomUUID()}` } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: any) => e.path)).toContain('idempotencyKey');
    }
  });

  it('refuses a client without the notifications.send scope (403)', async () => {
    const token = await clientToken(['authz.check'], node('North'));
    expect((await call('POST', '/notifications/events', { token, body: event(node('North School')) })).status).toBe(403);
  });
});
