import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { setIdentityPolicies, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, type NewUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * POST /authz/check and /authz/batch answer what a request of that person
 * would be answered (security review): about someone else, the unattended
 * decision (their 2FA, and the trust's requireMfaForAdmins for
 * administration permissions); about oneself, this session's.
 */
let trust: TestTrust;
let admin2fa: string;
/** Trust Admins, one without 2FA and one with it on. */
let adminNoMfa: { user: any; token: string };
let adminMfa: { user: any; token: string };
let teacherNoMfa: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

const check = (token: string, body: Record<string, unknown>) => call('POST', '/authz/check', { token, body });

async function withTotp(input: NewUser) {
  const person = await actor({ ...trust, token: admin2fa }, input);
  return { user: person.user, token: await signInWithTotp(person.user.email, TEST_PASSWORD, await turnOnTotp(person.token)) };
}

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const trustAdmin = { memberships: [{ nodeId: trust.rootId }], roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }] };
  [adminNoMfa, adminMfa, teacherNoMfa] = await Promise.all([
    actor({ ...trust, token: admin2fa }, trustAdmin),
    withTotp(trustAdmin),
    actor({ ...trust, token: admin2fa }, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
  ]);
  await setIdentityPolicies(trust, { requireMfaForAdmins: true });
}, 90_000);

describe('asking about someone else under requireMfaForAdmins', () => {
  it('answers mfa_required for an administration permission of an admin without 2FA, as their own requests are', async () => {
    // The rule the answer must match: the admin's own request is refused.
    const own = await call('GET', `/users/${teacherNoMfa.user.id}`, { token: adminNoMfa.token });
    expect(own.status).toBe(403);
    expect(own.body.code).toBe('mfa_required');

    for (const permission of ['users.view', 'reports.view', 'roles.assign']) {
      const answer = await check(admin2fa, { userId: adminNoMfa.user.id, permission, nodeId: node('North School') });
      expect(answer.status).toBe(200);
      expect(answer.body, permission).toEqual({ allowed: false, reason: 'mfa_required' });
    }
    const batch = await call('POST', '/authz/batch', {
      token: admin2fa,
      body: { checks: [
        { userId: adminNoMfa.user.id, permission: 'users.view', nodeId: trust.rootId },
        { userId: adminMfa.user.id, permission: 'users.view', nodeId: trust.rootId },
      ] },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      expect.objectContaining({ allowed: false, reason: 'mfa_required' }),
      expect.objectContaining({ allowed: true, reason: 'granted' }),
    ]);
  });

  it('still answers yes for an admin with 2FA on, and for what is no administration', async () => {
    expect((await check(admin2fa, { userId: adminMfa.user.id, permission: 'reports.view', nodeId: trust.rootId })).body.allowed).toBe(true);
    expect((await check(admin2fa, { userId: teacherNoMfa.user.id, permission: 'classes.view', nodeId: node('North School') })).body.allowed).toBe(true);
  });

  it('GET /users/{id}/access lists what the policy withholds under withheldForMfa, agreeing with /authz/check code by code', async () => {
    const north = node('North School');
    const noMfa = await call('GET', `/users/${adminNoMfa.user.id}/access?nodeId=${north}`, { token: admin2fa });
    expect(noMfa.status).toBe(200);
    const [entry] = noMfa.body.nodes;
    const usable = entry.permissions.map((p: { code: string }) => p.code);
    const withheld = entry.withheldForMfa.map((p: { code: string }) => p.code);
    expect(usable).not.toContain('users.view');
    expect(withheld).toEqual(expect.arrayContaining(['users.view', 'reports.view', 'roles.assign']));
    expect(noMfa.body.assignments[0].permissions).not.toContain('users.view');
    expect(noMfa.body.assignments[0].withheldForMfa).toContain('users.view');
    // "Who can do what" agrees with the decisions, both ways. Parents-area codes are left out: they are about one's own
    // children, so a decision on them needs a pupil linked to the person (without one, not_linked: review E, E1).
    const aboutOwnChild = new Set(['children.view', 'children.absence.report']);
    const codes = [...usable.map((code: string) => [code, true] as const), ...withheld.map((code: string) => [code, false] as const)].filter(([code]) => !aboutOwnChild.has(code));
    const answers = await call('POST', '/authz/batch', { token: admin2fa, body: { checks: codes.map(([permission]) => ({ userId: adminNoMfa.user.id, permission, nodeId: north })) } });
    expect(answers.status).toBe(200);
    expect(answers.body.results.map((r: { allowed: boolean }) => r.allowed)).toEqual(codes.map(([, allowed]) => allowed));

    // With 2FA on, the same role's administration codes are usable.
    const withMfa = await call('GET', `/users/${adminMfa.user.id}/access?nodeId=${north}`, { token: admin2fa });
    expect(withMfa.body.nodes[0].permissions.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['users.view', 'reports.view', 'roles.assign']));
    expect(withMfa.body.nodes[0].withheldForMfa).toEqual([]);
  });

  it('answers an integration client the same', async () => {
    const client = await call('POST', '/integrations', { token: admin2fa, body: { name: 'Behaviour app', scopes: ['authz.check'], nodeId: trust.rootId } });
    expect(client.status).toBe(201);
    const basic = Buffer.from(`${encodeURIComponent(client.body.clientId)}:${encodeURIComponent(client.body.clientSecret)}`).toString('base64');
    const issued = await call('POST', '/oauth2/token', {
      rawBody: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    });
    expect(issued.status).toBe(200);
    const asked = await check(issued.body.access_token, { userId: adminNoMfa.user.id, permission: 'users.view', nodeId: trust.rootId });
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ allowed: false, reason: 'mfa_required' });
    expect((await check(issued.body.access_token, { userId: adminMfa.user.id, permission: 'users.view', nodeId: trust.rootId })).body.allowed).toBe(true);
  });
});

describe('asking about oneself', () => {
  it('answers for this session: a password-only session is refused a requiresMfa code even with 2FA on the account', async () => {
    const head = await actor({ ...trust, token: admin2fa }, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] });
    const secret = await turnOnTotp(head.token); // the account now has 2FA; head.token stays a password-only session
    const question = { userId: head.user.id, permission: 'safeguarding.child_protection.view', nodeId: node('North School') };
    const mine = await call('GET', `/me/permissions?nodeId=${node('North School')}`, { token: head.token });
    expect(mine.body.withheldForMfa).toContain('safeguarding.child_protection.view');

    const passwordOnly = await check(head.token, question);
    expect(passwordOnly.status).toBe(200);
    expect(passwordOnly.body).toEqual({ allowed: false, reason: 'mfa_required' });
    const inBatch = await call('POST', '/authz/batch', { token: head.token, body: { checks: [question] } });
    expect(inBatch.body.results).toEqual([expect.objectContaining({ allowed: false, reason: 'mfa_required' })]);

    const twoFactor = await signInWithTotp(head.user.email, TEST_PASSWORD, secret);
    expect((await check(twoFactor, question)).body).toEqual(expect.objectContaining({ allowed: true, reason: 'granted' }));
  });

  it('applies the admin policy to a session without 2FA, as GET /me/permissions does', async () => {
    const aboutSelf = await check(adminNoMfa.token, { userId: adminNoMfa.user.id, permission: 'users.view', nodeId: trust.rootId });
    expect(aboutSelf.status).toBe(200);
    expect(aboutSelf.body).toEqual({ allowed: false, reason: 'mfa_required' });
    expect((await check(adminMfa.token, { userId: adminMfa.user.id, permission: 'users.view', nodeId: trust.rootId })).body.allowed).toBe(true);
  });
});
