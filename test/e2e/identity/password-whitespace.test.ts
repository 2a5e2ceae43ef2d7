import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../fixtures/api';
import { signIn } from '../../fixtures/identity';
import { linkIn, waitForMail } from '../../fixtures/mail';
import { createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Review A, L3: real Cognito refuses a password with a space at the start or
 * end (its PasswordType pattern), which cognito-local does not check, so the
 * API would have answered 500 in AWS. The policy refuses it first: 400
 * `weak_password` naming the rule, and the invitation still works after.
 */

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust();
});

describe('a password with spaces at the start or end', () => {
  it('is refused when an invitation is accepted, and the link still works with a good one', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['North School']!.id }] });
    const { token } = linkIn(await waitForMail(user.email), 'invite');
    for (const password of [` ${TEST_PASSWORD}`, `${TEST_PASSWORD} `, `\t${TEST_PASSWORD}`]) {
      const refused = await call('POST', '/auth/invitations/accept', { body: { token, password } });
      expect(refused.status, JSON.stringify(password)).toBe(400);
      expect(refused.body).toMatchObject({ code: 'weak_password', errors: [{ path: 'password', message: 'needs no spaces at the start or end' }] });
    }
    const accepted = await call('POST', '/auth/invitations/accept', { body: { token, password: `${TEST_PASSWORD} inside` } });
    expect(accepted.status).toBe(200);
    expect((await signIn(user.email, `${TEST_PASSWORD} inside`)).status).toBe(200);
  });
});
