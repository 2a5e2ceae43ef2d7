import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, login } from '../../fixtures/api';
import { profileItem, totpCode } from '../../fixtures/identity';
import { createUser } from '../../fixtures/people';
import { authTimeOf, signInWithTotp, startOfSecond } from '../../fixtures/totp';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

const CHILD_PROTECTION = 'safeguarding.child_protection.view';

/**
 * Runs `scenario` on a fresh trust until the sign-ins it makes land in the
 * second TOTP was turned on (the case under test); a slow machine may spill
 * into the next second, which proves nothing, so that run is repeated.
 */
async function inTheSecondTotpWentOn(scenario: (trust: TestTrust, enable: () => Promise<string>) => Promise<string[]>): Promise<TestTrust> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    const trust = await makeTrust();
    const setup = await call('POST', '/me/mfa/totp/setup', { token: trust.token });
    expect(setup.status).toBe(200);
    const enable = async () => {
      const verify = await call('POST', '/me/mfa/totp/verify', { token: trust.token, body: { code: totpCode(setup.body.secret) } });
      expect(verify.status).toBe(204);
      return setup.body.secret as string;
    };
    await startOfSecond();
    const tokens = await scenario(trust, enable);
    const { mfaEnabledAt } = await profileItem(trust, trust.adminId);
    if (tokens.every((token) => authTimeOf(token) === mfaEnabledAt - 1)) return trust;
  }
  throw new Error('could not sign in within the second TOTP was turned on');
}

describe('a 2FA sign-in counts as 2FA from the moment TOTP is on', () => {
  it('lets a Trust Admin who turns TOTP on and signs in with it in the same second grant the DSL role at once', async () => {
    let twoFactor = '';
    const trust = await inTheSecondTotpWentOn(async (own, enable) => {
      const secret = await enable();
      twoFactor = (await signInWithTotp(own.adminEmail, secret)).accessToken;
      return [twoFactor];
    });
    const school = trust.nodes['North School']!.id;
    const permissions = await call('GET', `/me/permissions?nodeId=${school}`, { token: twoFactor });
    expect(permissions.body.permissions).toContain(CHILD_PROTECTION);
    expect(permissions.body.withheldForMfa).toEqual([]);
    const dsl = await createUser(trust.token, { memberships: [{ nodeId: school }] });
    const grant = await call('POST', `/users/${dsl.id}/roles`, { token: twoFactor, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: school } });
    expect(grant.status).toBe(201);
  });

  it('never counts a password-only sign-in made in that same second, just before TOTP went on', async () => {
    let passwordOnly = '';
    let twoFactor = '';
    const trust = await inTheSecondTotpWentOn(async (own, enable) => {
      passwordOnly = (await login(own.adminEmail, TEST_PASSWORD)).accessToken;
      const secret = await enable();
      twoFactor = (await signInWithTotp(own.adminEmail, secret)).accessToken;
      return [passwordOnly, twoFactor];
    });
    const school = trust.nodes['North School']!.id;
    const dsl = await createUser(trust.token, { memberships: [{ nodeId: school }] });
    const body = { roleId: presetIds.designatedSafeguardingLead, nodeId: school };

    const withheld = await call('GET', `/me/permissions?nodeId=${school}`, { token: passwordOnly });
    expect(withheld.body.withheldForMfa).toContain(CHILD_PROTECTION);
    expect(withheld.body.permissions).not.toContain(CHILD_PROTECTION);
    const refused = await call('POST', `/users/${dsl.id}/roles`, { token: passwordOnly, body });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
    // The session that turned TOTP on signed in with a password only, too.
    expect((await call('POST', `/users/${dsl.id}/roles`, { token: trust.token, body })).body.code).toBe('mfa_required');

    expect((await call('POST', `/users/${dsl.id}/roles`, { token: twoFactor, body })).status).toBe(201);
  });
});
