import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { securityTitles } from '../../fixtures/notifications';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Security review B, F5: a role whose assignableRoles lists R hands out R to
 * whoever its holders choose. A School Admin who held every permission of a
 * delegate role ({roles.assign}, may assign DSL) could give it to a second
 * account of theirs and have that account make them DSL. Every grant path
 * now judges the role with everything it lets its holders hand out.
 */
let trust: TestTrust;
let admin2fa: string;
let schoolAdmin: { user: any; token: string };
let sa2fa: string;
let appointerId: string;
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
  sa2fa = await signInWithTotp(schoolAdmin.user.email, TEST_PASSWORD, await turnOnTotp(schoolAdmin.token));
  const role = await call('POST', '/roles', {
    token: admin2fa,
    body: { name: 'Safeguarding Appointer', scope: 'school', permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead] },
  });
  expect(role.status).toBe(201);
  appointerId = role.body.id;
}, 90_000);

describe('handing out a role that lets its holders appoint a DSL', () => {
  it('is refused to a School Admin on every grant path, though they hold all its permissions', async () => {
    const other = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    // The control: DSL itself is not theirs to give.
    expect((await call('POST', `/users/${other.id}/roles`, { token: sa2fa, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') } })).body.code).toBe('escalation');

    // The attack's first step, a second account holding the delegate role: POST /users, POST /users/{id}/roles, bulk.
    const created = await call('POST', '/users', {
      token: sa2fa,
      body: { firstName: 'Ace', lastName: 'Accomplice', email: uniqueEmail('accomplice'), userType: 'staff', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: appointerId, nodeId: node('North School') }] },
    });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('escalation');
    const single = await call('POST', `/users/${other.id}/roles`, { token: sa2fa, body: { roleId: appointerId, nodeId: node('North School') } });
    expect(single.status).toBe(403);
    expect(single.body.code).toBe('escalation');
    const bulk = await call('POST', '/users/bulk', { token: sa2fa, body: { userIds: [other.id], actions: [{ op: 'addRole', roleId: appointerId, nodeId: node('North School') }] } });
    expect(JSON.stringify(bulk.body)).toContain('escalation');
    expect((await call('GET', `/users/${other.id}`, { token: trust.token })).body.roles.map((r: { roleId: string }) => r.roleId)).not.toContain(appointerId);
  });

  it('is allowed to a Trust Admin in a 2FA session, who could appoint a DSL themself; and a School Admin may not act on its holder', async () => {
    const holder = await createUser(admin2fa, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: appointerId, nodeId: node('North School') }] });
    expect(holder.id).toEqual(expect.any(String));
    // The identity guard judges the same closure: the School Admin could not have given this role, so may not reset its holder.
    const reset = await call('POST', `/users/${holder.id}/password-reset`, { token: sa2fa });
    expect(reset.status).toBe(403);
    expect(reset.body.code).toBe('outranked');
  });
});

describe('letting a role hand out a sensitive one (review D, D1)', () => {
  it('needs a 2FA session, as granting it would: a password-only Trust Admin may neither define nor widen such a role', async () => {
    const created = await call('POST', '/roles', {
      token: trust.token,
      body: { name: 'Quiet Appointer', scope: 'school', permissions: ['roles.assign'], assignableRoles: [presetIds.designatedSafeguardingLead] },
    });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('mfa_required');

    const plain = await call('POST', '/roles', { token: trust.token, body: { name: 'Plain Assigner', scope: 'school', permissions: ['roles.assign', 'users.view'], assignableRoles: [] } });
    expect(plain.status).toBe(201);
    const widen = (token: string, version: number) =>
      call('PATCH', `/roles/${plain.body.id}`, { token, headers: { 'if-match': String(version) }, body: { assignableRoles: [presetIds.designatedSafeguardingLead] } });
    const refused = await widen(trust.token, plain.body.version);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');

    // With 2FA it goes through, and a held role's admins are told what its holders may now give.
    await createUser(admin2fa, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: plain.body.id, nodeId: node('North School') }] });
    const current = (await call('GET', '/roles', { token: admin2fa })).body.items.find((r: { id: string }) => r.id === plain.body.id);
    expect((await widen(admin2fa, current.version)).status).toBe(200);
    expect((await call('POST', '/_local/run/notify')).status).toBe(200);
    const titles = await securityTitles(admin2fa);
    expect(titles.some((t) => t.includes('Plain Assigner now lets its holders give Designated Safeguarding Lead'))).toBe(true);
  });
});
