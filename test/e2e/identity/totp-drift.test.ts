import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { securityTitles } from '../../fixtures/notifications';
import { auditOf, patchProfile, profileItem, signIn, signInWithTotp, totpCode, turnOnTotp } from '../../fixtures/identity';
import { activate, actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Security review A (H1, H2): the table and Cognito can disagree about TOTP.
 * In AWS, AssociateSoftwareToken on an account that has TOTP makes Cognito
 * accept the password alone until the new code is verified; a race between
 * DELETE /me/mfa/totp and verify can leave Cognito off and the table on.
 * Either way a password-only session would have counted as 2FA (its sign-in
 * time is after mfaEnabledAt). Set-up is now refused while TOTP is on, and a
 * sign-in that Cognito let through without a code lowers the table first.
 */
let trust: TestTrust;
let admin2fa: string;
let schoolAdmin: { token: string };
const node = (name: string) => trust.nodes[name]!.id;
const CHILD_PROTECTION = 'safeguarding.child_protection.view';

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
});

describe('POST /me/mfa/totp/setup while TOTP is on', () => {
  it('is refused with 409 mfa_already_enabled, even in a session that passed TOTP, and sign-in still asks for the code', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    const passwordToken = await activate(trust, user);
    const secret = await turnOnTotp(passwordToken);
    const session2fa = await signInWithTotp(user.email, TEST_PASSWORD, secret);
    for (const token of [session2fa, passwordToken]) {
      const rekey = await call('POST', '/me/mfa/totp/setup', { token });
      expect(rekey.status).toBe(409);
      expect(rekey.body.code).toBe('mfa_already_enabled');
    }
    expect((await signIn(user.email, TEST_PASSWORD)).body.challenge).toBe('MFA_TOTP');
    // Moving to a new device: off with a current code, then set up again.
    expect((await call('DELETE', '/me/mfa/totp', { token: session2fa, body: { code: totpCode(secret) } })).status).toBe(204);
    expect((await call('POST', '/me/mfa/totp/setup', { token: session2fa })).status).toBe(200);
  });
});

describe('a sign-in Cognito lets through without a code while the table says TOTP is on', () => {
  it('turns TOTP off in the table before the tokens go out, so the session is not 2FA; audited, and the admins are told', async () => {
    const dsl = await createUser(admin2fa, {
      firstName: 'Dee', lastName: 'Drift', memberships: [{ nodeId: node('North School') }],
      roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') }],
    });
    await activate(trust, dsl);
    // The end state of H1/H2: Cognito asks this person for no code (TOTP was never set up there), the table says it is on since a minute ago.
    await patchProfile(trust, dsl.id, { mfaEnabled: true, mfaEnabledAt: Math.floor(Date.now() / 1000) - 60 });

    const login = await signIn(dsl.email, TEST_PASSWORD);
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    expect(token).toEqual(expect.any(String));

    // Without the fix this password-only session counted as 2FA and was granted child protection.
    const self = await call('POST', '/authz/check', { token, body: { userId: dsl.id, permission: CHILD_PROTECTION, nodeId: node('North School') } });
    expect(self.status).toBe(200);
    expect(self.body).toEqual({ allowed: false, reason: 'mfa_required' });
    expect((await call('GET', '/me', { token })).body.mfaEnabled).toBe(false);
    const profile = await profileItem(trust, dsl.id);
    expect(profile.mfaEnabled).toBe(false);
    expect(profile.mfaEnabledAt).toBeUndefined();
    expect(await auditOf(trust, dsl.id)).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'mfa.disabled', actorId: 'system', after: expect.objectContaining({ mfaEnabled: false, reason: 'cognito_asked_no_code' }) }),
    ]));

    // The event went in the same transaction (the outbox); the notify job raises it to the school's admins.
    expect((await call('POST', '/_local/run/notify')).status).toBe(200);
    const titles = await securityTitles(schoolAdmin.token);
    expect(titles.some((t) => t.startsWith('Dee Drift: signed in without a two-factor code'))).toBe(true);
  });

  it('leaves a password-only sign-in of an account without TOTP untouched', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    await activate(trust, user);
    const before = (await auditOf(trust, user.id)).length;
    expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    expect((await auditOf(trust, user.id)).filter((r) => r.action === 'mfa.disabled')).toHaveLength(0);
    expect((await auditOf(trust, user.id)).length).toBeGreaterThanOrEqual(before);
  });
});
