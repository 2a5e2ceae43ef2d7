import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let school: string;

const put = (token: string, version: string | undefined, body: unknown) =>
  call('PUT', '/me/notification-preferences', { token, body, ...(version === undefined ? {} : { headers: { 'if-match': version } }) });

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
});

describe('GET /notification-categories', () => {
  it('lists the catalogue with the permission each needs and its default delivery', async () => {
    const { user, token } = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    expect(user.id).toBeDefined();
    const response = await call('GET', '/notification-categories', { token });
    expect(response.status).toBe(200);
    expect(response.body.items.find((c: any) => c.code === 'child_protection')).toEqual({
      code: 'child_protection', description: 'Child protection concerns', permission: 'safeguarding.child_protection.view',
      requiresMfa: true, defaultDelivery: 'immediate', sensitive: true, internal: false,
    });
  });
});

describe('GET/PUT /me/notification-preferences', () => {
  it('offers a teacher only the categories they can receive, with the defaults, at the trust hour and zone', async () => {
    const { token } = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const response = await call('GET', '/me/notification-preferences', { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ categories: { behaviour: 'digest', attendance: 'digest' }, digestHour: 7, timeZone: 'Europe/London', version: 0 });
  });

  it('offers child protection to a DSL only once their 2FA is on (before that they would receive none)', async () => {
    // Granting the DSL role needs an admin session that passed 2FA: a trust of its own.
    const own = await makeTrust();
    const ownSchool = own.nodes['North School']!.id;
    const admin = await signInWithTotp(own.adminEmail, TEST_PASSWORD, await turnOnTotp(own.token));
    const dsl = await createUser(admin, { memberships: [{ nodeId: ownSchool }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: ownSchool }] });
    const token = await activate(own, dsl);
    expect((await call('GET', '/me/notification-preferences', { token })).body.categories).not.toHaveProperty('child_protection');
    await turnOnTotp(token);
    expect((await call('GET', '/me/notification-preferences', { token })).body.categories).toMatchObject({ child_protection: 'immediate', pastoral: 'digest' });
  });

  it("lets only a session that passed 2FA change a safeguarding category: the DSL's older password-only session may not stop child protection (review E, E5)", async () => {
    const own = await makeTrust();
    const ownSchool = own.nodes['North School']!.id;
    const admin = await signInWithTotp(own.adminEmail, TEST_PASSWORD, await turnOnTotp(own.token));
    const dsl = await createUser(admin, { memberships: [{ nodeId: ownSchool }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: ownSchool }] });
    const passwordOnly = await activate(own, dsl);
    const secret = await turnOnTotp(passwordOnly); // the earlier session stays valid, and never passed 2FA
    const refused = await put(passwordOnly, '0', { categories: { child_protection: 'off' } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
    // Other choices are still theirs to make from that session.
    expect((await put(passwordOnly, '0', { categories: { pastoral: 'off' } })).status).toBe(200);
    const withTotp = await signInWithTotp(dsl.email, TEST_PASSWORD, secret);
    const off = await put(withTotp, '1', { categories: { pastoral: 'off', child_protection: 'digest' } });
    expect(off.status).toBe(200);
    expect(off.body.categories).toMatchObject({ child_protection: 'digest' });
    // Leaving it out from the password-only session would put it back to its default: a change too.
    expect((await put(passwordOnly, '2', { categories: { pastoral: 'off' } })).status).toBe(403);
    // Child protection now comes by digest: moving the digest hour would delay it, so that needs 2FA too (review G, G9).
    const later = { categories: { pastoral: 'off', child_protection: 'digest' }, digestHour: 22 };
    const moved = await put(passwordOnly, '2', later);
    expect(moved.status).toBe(403);
    expect(moved.body.code).toBe('mfa_required');
    expect((await put(withTotp, '2', later)).status).toBe(200);
  });

  it('saves choices with If-Match (428 without, 412 stale), and a category left out goes back to its default', async () => {
    const { token } = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    expect((await put(token, undefined, { categories: {} })).status).toBe(428);
    const saved = await put(token, '0', { categories: { behaviour: 'immediate' }, digestHour: 18 });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ categories: { behaviour: 'immediate', attendance: 'digest' }, digestHour: 18, timeZone: 'Europe/London', version: 1 });
    expect(saved.headers.get('etag')).toBe('"1"');
    const stale = await put(token, '0', { categories: { behaviour: 'off' } });
    expect(stale.status).toBe(412);
    const again = await put(token, '1', { categories: { attendance: 'off' }, digestHour: null });
    expect(again.body).toEqual({ categories: { behaviour: 'digest', attendance: 'off' }, digestHour: 7, timeZone: 'Europe/London', version: 2 });
  });

  it('refuses, naming the field, a category the person cannot receive, an unknown category, a bad delivery and a bad hour', async () => {
    const { token } = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    for (const [body, path] of [
      [{ categories: { child_protection: 'digest' } }, 'categories.child_protection'],
      [{ categories: { gossip: 'digest' } }, 'categories.gossip'],
      [{ categories: { behaviour: 'sometimes' } }, 'categories.behaviour'],
      [{ categories: {}, digestHour: 24 }, 'digestHour'],
    ] as const) {
      const response = await put(token, '0', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path);
    }
  });

  it("follows the trust's defaults, which cannot switch a safeguarding category off", async () => {
    const own = await makeTrust();
    const ownSchool = own.nodes['North School']!.id;
    const patch = (body: unknown, version: string) => call('PATCH', '/trust/settings', { token: own.token, body, headers: { 'if-match': version } });
    const refused = await patch({ policies: { notificationDefaults: { child_protection: 'off' } } }, '1');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'policies.notificationDefaults.child_protection' })]);
    const set = await patch({ policies: { notificationDefaults: { behaviour: 'immediate' } } }, '1');
    expect(set.status).toBe(200);
    expect(set.body.policies.notificationDefaults).toEqual({ behaviour: 'immediate' });
    const { token } = await actor(own, { memberships: [{ nodeId: ownSchool }], roles: [{ roleId: presetIds.teacher, nodeId: ownSchool }] });
    expect((await call('GET', '/me/notification-preferences', { token })).body.categories.behaviour).toBe('immediate');
  });
});
