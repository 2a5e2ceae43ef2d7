import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf, nextSecond, profileItem, setIdentityPolicies, signIn, totpCode, wrongCode } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeMember, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/** Sets TOTP up for the holder of `token` through the API and returns the secret. */
async function turnOnTotp(token: string): Promise<string> {
  const setup = await call('POST', '/me/mfa/totp/setup', { token });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.status} ${JSON.stringify(setup.body)}`);
  const verify = await call('POST', '/me/mfa/totp/verify', { token, body: { code: totpCode(setup.body.secret) } });
  if (verify.status !== 204) throw new Error(`verify failed: ${verify.status} ${JSON.stringify(verify.body)}`);
  await nextSecond(); // only sign-ins after the second TOTP was turned on count as 2FA sessions
  return setup.body.secret;
}

/** Password, then code: the access token of a session that passed 2FA. */
async function signInWithTotp(email: string, secret: string): Promise<{ accessToken: string; refreshToken: string }> {
  const first = await signIn(email, TEST_PASSWORD);
  if (first.body.challenge !== 'MFA_TOTP') throw new Error(`expected the TOTP challenge: ${first.status} ${JSON.stringify(first.body)}`);
  const second = await call('POST', '/auth/mfa', { body: { email, session: first.body.session, code: totpCode(secret) } });
  if (second.status !== 200) throw new Error(`mfa failed: ${second.status} ${JSON.stringify(second.body)}`);
  return second.body;
}

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([]);
});

describe('TOTP set-up: POST /me/mfa/totp/setup and /verify', () => {
  it('gives a secret and an otpauth URI naming the trust and the person', async () => {
    const member = await makeMember(trust);
    const response = await call('POST', '/me/mfa/totp/setup', { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatch(/^[A-Z2-7]{16,}$/);
    const uri = new URL(response.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toMatch(new RegExp(`^/Test Trust [0-9a-f]{8}:${member.email.replace(/[.]/g, '\\.')}$`));
    expect(uri.searchParams.get('secret')).toBe(response.body.secret);
    expect(uri.searchParams.get('issuer')).toMatch(/^Test Trust /);
  });

  it('refuses a wrong code with 400 invalid_mfa_code and leaves TOTP off', async () => {
    const member = await makeMember(trust);
    const setup = await call('POST', '/me/mfa/totp/setup', { token: member.token });
    const response = await call('POST', '/me/mfa/totp/verify', { token: member.token, body: { code: wrongCode(setup.body.secret) } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_mfa_code');
    expect((await call('GET', '/me', { token: member.token })).body.mfaEnabled).toBe(false);
    expect((await signIn(member.email, TEST_PASSWORD)).body.accessToken).toEqual(expect.any(String));
  });

  it('answers 400 naming the field for a code that is not six digits', async () => {
    const member = await makeMember(trust);
    const response = await call('POST', '/me/mfa/totp/verify', { token: member.token, body: { code: '12ab' } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'code' })]);
  });

  it('turns TOTP on: recorded and audited; the session that did it has not passed 2FA', async () => {
    const member = await makeMember(trust);
    await turnOnTotp(member.token);
    const me = await call('GET', '/me', { token: member.token });
    expect(me.status).toBe(200);
    expect(me.body.mfaEnabled).toBe(true);
    const profile = await profileItem(trust, member.account.id);
    expect(profile.mfaEnabledAt).toBeGreaterThan(0);
    expect((await auditOf(trust, member.account.id)).filter((r) => r.action === 'mfa.enabled')).toHaveLength(1);
    // No session may start a new set-up while TOTP is on (test/e2e/identity/totp-drift.test.ts).
    const rekey = await call('POST', '/me/mfa/totp/setup', { token: member.token });
    expect(rekey.status).toBe(409);
    expect(rekey.body.code).toBe('mfa_already_enabled');
  });
});

describe('signing in with TOTP on: POST /auth/login then /auth/mfa', () => {
  it('answers the password with the MFA_TOTP challenge, then the code with tokens that work', async () => {
    const member = await makeMember(trust);
    const secret = await turnOnTotp(member.token);
    const first = await signIn(member.email, TEST_PASSWORD);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ challenge: 'MFA_TOTP', session: expect.any(String) });
    const second = await call('POST', '/auth/mfa', { body: { email: member.email, session: first.body.session, code: totpCode(secret) } });
    expect(second.status).toBe(200);
    expect(Object.keys(second.body).sort()).toEqual(['accessToken', 'expiresIn', 'idToken', 'refreshToken']);
    expect((await call('GET', '/me', { token: second.body.accessToken })).status).toBe(200);
    // Even a 2FA session may not re-key TOTP while it is on (409): off with a current code first.
    expect((await call('POST', '/me/mfa/totp/setup', { token: second.body.accessToken })).status).toBe(409);
  });

  it('uses a sign-in step once', async () => {
    const member = await makeMember(trust);
    const secret = await turnOnTotp(member.token);
    const first = await signIn(member.email, TEST_PASSWORD);
    const body = { email: member.email, session: first.body.session, code: totpCode(secret) };
    expect((await call('POST', '/auth/mfa', { body })).status).toBe(200);
    const replay = await call('POST', '/auth/mfa', { body });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_mfa_session');
  });

  it('does not let a code be answered without the password step of the same account', async () => {
    const [mine, theirs] = await Promise.all([makeMember(trust), makeMember(trust)]);
    const [mySecret] = await Promise.all([turnOnTotp(mine.token), turnOnTotp(theirs.token)]);
    const theirStep = await signIn(theirs.email, TEST_PASSWORD);
    const borrowed = await call('POST', '/auth/mfa', { body: { email: mine.email, session: theirStep.body.session, code: totpCode(mySecret) } });
    expect(borrowed.status).toBe(401);
    expect(borrowed.body.code).toBe('invalid_mfa_session');
    const invented = await call('POST', '/auth/mfa', { body: { email: mine.email, session: 'x'.repeat(36), code: totpCode(mySecret) } });
    expect(invented.status).toBe(401);
  });

  it('answers 401 invalid_mfa_code to a wrong code, counts it, and locks after five', async () => {
    const member = await makeMember(trust);
    const secret = await turnOnTotp(member.token);
    const first = await signIn(member.email, TEST_PASSWORD);
    for (let i = 1; i <= 5; i++) {
      const wrong = await call('POST', '/auth/mfa', { body: { email: member.email, session: first.body.session, code: wrongCode(secret) } });
      expect(wrong.status, `attempt ${i}`).toBe(401);
      expect(wrong.body.code).toBe('invalid_mfa_code');
    }
    expect(await profileItem(trust, member.account.id)).toMatchObject({ status: 'locked', failedLogins: 5 });
    const right = await call('POST', '/auth/mfa', { body: { email: member.email, session: first.body.session, code: totpCode(secret) } });
    expect(right.status).toBe(423);
    expect((await signIn(member.email, TEST_PASSWORD)).status).toBe(423);
    const failed = (await auditOf(trust, member.account.id)).filter((r) => r.action === 'login.failed');
    expect(failed.every((r) => r.after.reason === 'mfa_code')).toBe(true);
  });

  it('counts wrong passwords and wrong codes together, and a full sign-in resets the count', async () => {
    const member = await makeMember(trust);
    const secret = await turnOnTotp(member.token);
    for (let i = 0; i < 2; i++) await signIn(member.email, 'Wrong-Password-99');
    const first = await signIn(member.email, TEST_PASSWORD);
    for (let i = 0; i < 2; i++) await call('POST', '/auth/mfa', { body: { email: member.email, session: first.body.session, code: wrongCode(secret) } });
    expect((await profileItem(trust, member.account.id)).failedLogins).toBe(4);
    expect((await call('POST', '/auth/mfa', { body: { email: member.email, session: first.body.session, code: totpCode(secret) } })).status).toBe(200);
    expect((await profileItem(trust, member.account.id)).failedLogins).toBe(0);
  });
});

describe('sensitive permissions and 2FA sessions', () => {
  it('shows a Trust Admin child-protection access only in a session that passed TOTP', async () => {
    const own = await makeTrust([]);
    const before = await call('GET', `/me/permissions?nodeId=${own.rootId}`, { token: own.token });
    expect(before.body.withheldForMfa).toContain('safeguarding.child_protection.view');
    expect(before.body.permissions).not.toContain('safeguarding.child_protection.view');
    const secret = await turnOnTotp(own.token);
    const passwordOnly = await call('GET', `/me/permissions?nodeId=${own.rootId}`, { token: own.token });
    expect(passwordOnly.body.withheldForMfa).toContain('safeguarding.child_protection.view');
    const { accessToken } = await signInWithTotp(own.adminEmail, secret);
    const after = await call('GET', `/me/permissions?nodeId=${own.rootId}`, { token: accessToken });
    expect(after.body.permissions).toContain('safeguarding.child_protection.view');
    expect(after.body.withheldForMfa).toEqual([]);
  });

  it('refuses administration to sessions without 2FA when the trust requires it for admins', async () => {
    const own = await makeTrust();
    const teacher = await actor(own, {
      memberships: [{ nodeId: own.nodes['North School']!.id }], roles: [{ roleId: presetIds.teacher, nodeId: own.nodes['North School']!.id }],
    });
    const secret = await turnOnTotp(own.token);
    await setIdentityPolicies(own, { requireMfaForAdmins: true });

    const refused = await call('GET', `/users/${teacher.user.id}`, { token: own.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
    const createNode = await call('POST', '/nodes', { token: own.token, body: { kind: 'school', name: 'New School', parentId: own.rootId } });
    expect(createNode.status).toBe(403);
    expect(createNode.body.code).toBe('mfa_required');
    const createRole = await call('POST', '/roles', { token: own.token, body: { name: 'Policy role', permissions: ['users.view'] } });
    expect(createRole.status).toBe(403);
    expect(createRole.body.code).toBe('mfa_required');
    const permissions = await call('GET', `/me/permissions?nodeId=${own.rootId}`, { token: own.token });
    expect(permissions.body.withheldForMfa).toEqual(expect.arrayContaining(['users.view', 'org.manage', 'safeguarding.child_protection.view']));
    expect(permissions.body.permissions).not.toContain('users.view');
    // What needs no administration still works, and so does the way to 2FA.
    expect((await call('GET', '/me', { token: own.token })).status).toBe(200);
    const aboutSelf = await call('POST', '/authz/check', { token: own.token, body: { userId: own.adminId, permission: 'users.view', nodeId: own.rootId } });
    expect(aboutSelf.status).toBe(200);
    const aboutOther = await call('POST', '/authz/check', { token: own.token, body: { userId: teacher.user.id, permission: 'users.view', nodeId: own.rootId } });
    expect(aboutOther.status).toBe(403);
    expect(aboutOther.body.code).toBe('mfa_required');

    const { accessToken } = await signInWithTotp(own.adminEmail, secret);
    expect((await call('GET', `/users/${teacher.user.id}`, { token: accessToken })).status).toBe(200);
    expect((await call('POST', '/nodes', { token: accessToken, body: { kind: 'school', name: 'New School', parentId: own.rootId } })).status).toBe(201);
    expect((await call('POST', '/roles', { token: accessToken, body: { name: 'Policy role', permissions: ['users.view'] } })).status).toBe(201);
    // A person holding no administration permission is not asked for 2FA.
    expect((await call('GET', `/me/permissions?nodeId=${own.nodes['North School']!.id}`, { token: teacher.token })).body.withheldForMfa).toEqual([]);
  });
});
