import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../../fixtures/api';
import { activate, createUser, type NewUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
beforeAll(async () => {
  trust = await makeTrust([{ kind: 'cluster', name: 'East' }, { kind: 'school', name: 'East School', parent: 'East' }, { kind: 'school', name: 'West School' }]);
});

const body = (overrides: Partial<NewUser> = {}): NewUser => ({
  firstName: 'Pat', lastName: 'Profile', email: `profile-${randomUUID()}@test.example`, userType: 'staff',
  memberships: [{ nodeId: trust.nodes['East School']!.id }], ...overrides,
});

describe('PATCH /users/{id}', () => {
  it('changes profile fields with the current version and answers the new version', async () => {
    const user = await createUser(trust.token, body());
    const response = await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { firstName: 'Patricia', mobile: '+44 7700 900123' }, headers: { 'if-match': `"${user.version}"` } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ firstName: 'Patricia', displayName: 'Patricia Profile', mobile: '+44 7700 900123', version: user.version + 1 });
    expect(response.headers.get('etag')).toBe(`"${user.version + 1}"`);
    const cleared = await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { mobile: null }, headers: { 'if-match': `"${user.version + 1}"` } });
    expect(cleared.body.mobile).toBeUndefined();
  });

  it('answers 412 for a stale version, 428 without one, and of two concurrent edits of one version lets one through', async () => {
    const user = await createUser(trust.token, body());
    const results = await Promise.all(
      ['One', 'Two'].map((lastName) => call('PATCH', `/users/${user.id}`, { token: trust.token, body: { lastName }, headers: { 'if-match': `"${user.version}"` } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    expect(results.find((r) => r.status === 412)!.body.code).toBe('version_conflict');
    expect((await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { lastName: 'Three' } })).status).toBe(428);
    const stored = (await call('GET', `/users/${user.id}`, { token: trust.token })).body;
    expect(['One', 'Two']).toContain(stored.lastName);
  });

  it('moves the login to a new email: the old one stops working and is free again', async () => {
    const user = await createUser(trust.token, body());
    const token = await activate(trust, user, 'Beacon-Thistle-58');
    expect(token).toBeTruthy();
    const newEmail = `moved-${randomUUID()}@test.example`;
    const current = (await call('GET', `/users/${user.id}`, { token: trust.token })).body;
    const response = await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { email: newEmail.toUpperCase() }, headers: { 'if-match': `"${current.version}"` } });
    expect(response).toMatchObject({ status: 200, body: { email: newEmail } });
    await expect(login(newEmail, 'Beacon-Thistle-58')).resolves.toHaveProperty('accessToken');
    expect((await call('POST', '/auth/login', { body: { email: user.email, password: 'Beacon-Thistle-58' } })).status).toBe(401);
    const reuse = await call('POST', '/users', { token: trust.token, body: body({ email: user.email }) });
    expect(reuse.status).toBe(201);
  });

  it('refuses an email another account has with 409 email_taken and changes nothing', async () => {
    const first = await createUser(trust.token, body());
    const second = await createUser(trust.token, body());
    const response = await call('PATCH', `/users/${second.id}`, { token: trust.token, body: { email: first.email }, headers: { 'if-match': `"${second.version}"` } });
    expect(response).toMatchObject({ status: 409, body: { code: 'email_taken' } });
    expect((await call('GET', `/users/${second.id}`, { token: trust.token })).body).toMatchObject({ email: second.email, version: second.version });
  });

  it('answers 404 for a person outside the caller\'s reach and 400 naming a bad field', async () => {
    const outsider = await createUser(trust.token, body({ memberships: [{ nodeId: trust.nodes['West School']!.id }] }));
    const eastAdmin = await createUser(trust.token, body({ roles: [{ roleId: 'preset-cluster-administrator', nodeId: trust.nodes.East!.id }], memberships: [{ nodeId: trust.nodes.East!.id }] }));
    const token = await activate(trust, eastAdmin, 'Meadow-Falcon-73');
    const hidden = await call('PATCH', `/users/${outsider.id}`, { token, body: { firstName: 'X' }, headers: { 'if-match': `"${outsider.version}"` } });
    expect(hidden.status).toBe(404);
    const bad = await call('PATCH', `/users/${outsider.id}`, { token: trust.token, body: { email: 'not-an-email' }, headers: { 'if-match': '"1"' } });
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ path: 'email' }] } });
  });
});
