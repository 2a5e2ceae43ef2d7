import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../../fixtures/api';
import { auditOf, nextSecond } from '../../fixtures/identity';
import { makeMember, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([]);
});

describe('POST /auth/logout', () => {
  it('signs out every session of the caller: tokens and refresh tokens answer 401; a new sign-in works', async () => {
    const member = await makeMember(trust);
    // Sign in and out within one second: token times are whole seconds, and a session from the very second of the sign-out must end too.
    await nextSecond();
    const phone = await login(member.email, TEST_PASSWORD);
    const laptop = await login(member.email, TEST_PASSWORD);
    const response = await call('POST', '/auth/logout', { token: laptop.accessToken });
    expect(response.status).toBe(204);
    for (const session of [laptop, phone]) {
      const me = await call('GET', '/me', { token: session.accessToken });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('session_revoked');
      const refreshed = await call('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } });
      expect(refreshed.status).toBe(401);
    }
    expect((await call('POST', '/auth/logout', { token: laptop.accessToken })).status).toBe(401);

    await nextSecond();
    const fresh = await login(member.email, TEST_PASSWORD);
    expect((await call('GET', '/me', { token: fresh.accessToken })).status).toBe(200);
    expect((await auditOf(trust, member.account.id)).map((r) => r.action)).toContain('user.signed_out');
  });

  it('needs a bearer token', async () => {
    expect((await call('POST', '/auth/logout')).status).toBe(401);
  });
});
