import { beforeAll, describe, expect, it } from 'vitest';
import { call, login, stack } from '../fixtures/api';
import { makeMember, makeTrust, TEST_PASSWORD, updateAccount, type TestTrust } from '../fixtures/trust';

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([]);
});

describe('POST /auth/login', () => {
  it('signs in the seeded demo admin with tokens', async () => {
    const { demoEmail, demoPassword } = stack();
    const response = await call('POST', '/auth/login', { body: { email: demoEmail, password: demoPassword } });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'idToken', 'refreshToken']);
  });

  it('treats the email case-insensitively', async () => {
    const response = await call('POST', '/auth/login', { body: { email: trust.adminEmail.toUpperCase(), password: TEST_PASSWORD } });
    expect(response.status).toBe(200);
  });

  it('gives one 401 invalid_credentials for an unknown email and for a wrong password', async () => {
    const unknown = await call('POST', '/auth/login', { body: { email: 'nobody@test.example', password: TEST_PASSWORD } });
    const wrong = await call('POST', '/auth/login', { body: { email: trust.adminEmail, password: 'Wrong-password-1' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.code).toBe('invalid_credentials');
  });

  it('gives the same 401 to an inactive account with the right password, and 423 to a locked one', async () => {
    const inactive = await makeMember(trust);
    await updateAccount(inactive.account, { status: 'inactive' });
    const refused = await call('POST', '/auth/login', { body: { email: inactive.email, password: TEST_PASSWORD } });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('invalid_credentials');
    const locked = await makeMember(trust);
    await updateAccount(locked.account, { status: 'locked' });
    const lockedResponse = await call('POST', '/auth/login', { body: { email: locked.email, password: TEST_PASSWORD } });
    expect(lockedResponse.status).toBe(423);
    expect(lockedResponse.body.code).toBe('account_locked');
  });

  it('answers 400 naming the field for a malformed email', async () => {
    const response = await call('POST', '/auth/login', { body: { email: 'not-an-email', password: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'email' })]);
  });
});

describe('POST /auth/refresh', () => {
  it('exchanges a refresh token for a new access token that works', async () => {
    const tokens = await login(trust.adminEmail, TEST_PASSWORD);
    const response = await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(response.status).toBe(200);
    expect(response.body.refreshToken).toBeUndefined();
    expect((await call('GET', '/nodes', { token: response.body.accessToken })).status).toBe(200);
  });

  it('refuses an unknown refresh token with 401', async () => {
    const response = await call('POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(64) } });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('invalid_refresh_token');
  });

  it('refuses the refresh token of an account that was deactivated', async () => {
    const member = await makeMember(trust);
    const tokens = await login(member.email, TEST_PASSWORD);
    await updateAccount(member.account, { status: 'inactive' });
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).status).toBe(401);
  });
});

describe('the caller check on every signed-in request', () => {
  it('stops a live token at once when its account is deactivated', async () => {
    const member = await makeMember(trust);
    expect((await call('GET', '/nodes', { token: member.token })).status).toBe(200);
    await updateAccount(member.account, { status: 'inactive' });
    const response = await call('GET', '/nodes', { token: member.token });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('session_revoked');
  });

  it('refuses the ID token as a bearer token (only access tokens are bearer tokens)', async () => {
    const member = await makeMember(trust);
    const tokens = await login(member.email, TEST_PASSWORD);
    // Its aud is the app client, so API Gateway's JWT authorizer accepts it as a JWT, but it carries no scope: every
    // signed-in route requires one, so API Gateway refuses it itself (review H, H-4); resolveCaller would refuse it
    // again (test/handlers/http-layer.test.ts).
    const claims = JSON.parse(Buffer.from(tokens.idToken.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ token_use: 'id', aud: expect.any(String) });
    expect(claims).not.toHaveProperty('scope');
    const withId = await call('GET', '/me', { token: tokens.idToken });
    expect(withId.status).toBe(403);
    expect(withId.body).toEqual({ message: 'Forbidden' });
    expect((await call('GET', '/me', { token: tokens.accessToken })).status).toBe(200);
  });

  it('refuses tokens from a sign-in before the account\'s "sessions valid after" time', async () => {
    const member = await makeMember(trust);
    await updateAccount(member.account, { sessionsValidAfter: Math.floor(Date.now() / 1000) + 5 });
    expect((await call('GET', '/nodes', { token: member.token })).status).toBe(401);
  });
});
