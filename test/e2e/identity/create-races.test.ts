import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNewCognitoUser } from '../../../functions/adapters/cognito/user-pool';
import { documentClient, tableName } from '../../../functions/adapters/dynamo/client';
import { keys } from '../../../functions/adapters/dynamo/keys';
import { call, login } from '../../fixtures/api';
import { linkIn, waitForMail } from '../../fixtures/mail';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

const NEW_PASSWORD = 'Lantern-Harbour-93';
let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([{ kind: 'school', name: 'Hillside' }]);
});

const createBody = (email: string) => ({
  firstName: 'Rae', lastName: 'Race', email, userType: 'staff', memberships: [{ nodeId: trust.nodes.Hillside!.id }],
});

/** Accepts the invitation emailed to `email` and signs in with the new password. */
async function acceptAndSignIn(email: string) {
  const { token } = linkIn(await waitForMail(email), 'invite');
  expect((await call('POST', '/auth/invitations/accept', { body: { token, password: NEW_PASSWORD } })).status).toBe(200);
  return login(email, NEW_PASSWORD);
}

const emailItem = async (email: string) =>
  (await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email), ConsistentRead: true }))).Item;

/** A pending claim as a create that crashed between claiming and finishing would leave it. */
async function pendingClaim(email: string, expiresAt: number) {
  await documentClient().send(
    new PutCommand({ TableName: tableName(), Item: { ...keys.email(email), entity: 'email-claim', claimId: randomUUID(), expiresAt } }),
  );
}

describe('POST /users: concurrent creates of one email', () => {
  it('of 30 simultaneous creates, exactly one answers 201, the rest 409 email_taken, and the created person can accept and sign in', async () => {
    const email = `race-${randomUUID()}@test.example`;
    const results = await Promise.all(Array.from({ length: 30 }, () => call('POST', '/users', { token: trust.token, body: createBody(email) })));
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(29).fill('email_taken'));
    // The losers did not take the winner's Cognito user away: the invitation works and the person signs in.
    const { accessToken } = await acceptAndSignIn(email);
    const me = await call('GET', '/me', { token: accessToken });
    expect(me.body).toMatchObject({ id: created[0]!.body.id, status: 'active' });
    // The claim became the account's email item: no claim id, and no expiry that TTL would act on.
    const stored = await emailItem(email);
    expect(stored).toMatchObject({ entity: 'email', userId: created[0]!.body.id });
    expect(stored).not.toHaveProperty('expiresAt');
    expect(stored).not.toHaveProperty('claimId');
  });

  it('answers 409 while another create\'s claim on the email is pending, and leaves that claim in place', async () => {
    const email = `pending-${randomUUID()}@test.example`;
    await pendingClaim(email, Math.floor(Date.now() / 1000) + 300);
    const response = await call('POST', '/users', { token: trust.token, body: createBody(email) });
    expect(response).toMatchObject({ status: 409, body: { code: 'email_taken' } });
    expect(await emailItem(email)).toMatchObject({ entity: 'email-claim' });
  });

  it('after a create crashed between Cognito and the table (expired claim, Cognito user left), a new create adopts it and the person signs in', async () => {
    const email = `crashed-${randomUUID()}@test.example`;
    const orphan = await createNewCognitoUser(email);
    expect(orphan).toBeDefined();
    await pendingClaim(email, Math.floor(Date.now() / 1000) - 1);
    const response = await call('POST', '/users', { token: trust.token, body: createBody(email) });
    expect(response.status).toBe(201);
    const { accessToken } = await acceptAndSignIn(email);
    expect((await call('GET', '/me', { token: accessToken })).body).toMatchObject({ id: response.body.id });
  });

  it('never adopts a Cognito user that is someone\'s login, even when the email item is missing', async () => {
    // The attack: an email whose table item is gone (or was never written by an email change that crashed) but whose
    // Cognito user signs somebody in. Creating an account with it must not hand that login to the new account.
    const victim = `victim-${randomUUID()}@test.example`;
    const created = await call('POST', '/users', { token: trust.token, body: createBody(victim) });
    expect(created.status).toBe(201);
    await acceptAndSignIn(victim);
    const stored = await emailItem(victim);
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: keys.email(victim) }));
    const again = await call('POST', '/users', { token: trust.token, body: createBody(victim) });
    expect(again).toMatchObject({ status: 409, body: { code: 'email_taken' } });
    // The claim was given back, and the victim's Cognito user is untouched: with the item back, they sign in as before.
    expect(await emailItem(victim)).toBeUndefined();
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: stored }));
    await expect(login(victim, NEW_PASSWORD)).resolves.toHaveProperty('accessToken');
  });
});
