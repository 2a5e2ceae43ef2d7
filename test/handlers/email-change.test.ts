import { AdminGetUserCommand, AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { cognito as cognitoClient } from '../../functions/adapters/cognito/user-pool';
import { config } from '../../functions/config';
import { handler as updateUser } from '../../functions/users/update-user';
import { call, login } from '../fixtures/api';
import { httpEvent, lambdaContext } from '../fixtures/events';
import { auditOf, profileItem, signIn } from '../fixtures/identity';
import { activate, createUser, uniqueEmail } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * PATCH /users/{id} moving an email, with the failure between its two steps
 * forced: the table (DynamoDB Local) moves first, then Cognito's attribute
 * (mocked here to fail, or to record). Whatever happens after the
 * transaction, the person signs in with the address the table holds.
 */

let trust: TestTrust;
let adminSub: string;

beforeAll(async () => {
  trust = await makeTrust([{ kind: 'school', name: 'Oak School' }]);
  adminSub = String((await profileItem(trust, trust.adminId)).cognitoUsername);
});

const awsError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });
const body = (response: { body?: string }) => JSON.parse(response.body ?? '{}');

const patchEvent = (userId: string, version: number, fields: Record<string, unknown>) =>
  httpEvent({
    method: 'PATCH', path: `/users/${userId}`, routePath: '/users/{id}', pathParameters: { id: userId },
    headers: { 'if-match': `"${version}"` }, body: fields, sub: adminSub,
  });

/** An active person of Oak School with a password, and their current version. */
async function activePerson() {
  const user = await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['Oak School']!.id }] });
  await activate(trust, user);
  const item = await profileItem(trust, user.id);
  return { id: user.id as string, email: user.email as string, version: Number(item.version), cognitoUsername: String(item.cognitoUsername) };
}

async function cognitoEmailOf(cognitoUsername: string): Promise<string | undefined> {
  const user = await cognitoClient().send(new AdminGetUserCommand({ UserPoolId: config().USER_POOL_ID, Username: cognitoUsername }));
  return user.UserAttributes?.find((a) => a.Name === 'email')?.Value;
}

describe('PATCH /users/{id}: an email change interrupted after the table moved', () => {
  it('leaves the person signing in with the address the table holds when Cognito fails (or the function dies) before its update', async () => {
    const person = await activePerson();
    const moved = uniqueEmail('moved');
    const cognito = mockClient(CognitoIdentityProviderClient);
    cognito.on(AdminUpdateUserAttributesCommand).rejects(awsError('InternalErrorException'));
    let response;
    try {
      response = await updateUser(patchEvent(person.id, person.version, { email: moved }), lambdaContext());
    } finally {
      cognito.restore();
    }
    expect(response.statusCode).toBe(200);
    expect(body(response).email).toBe(moved);
    expect((await profileItem(trust, person.id)).email).toBe(moved);
    // Cognito still carries the old address: the drift a crash would leave.
    expect(await cognitoEmailOf(person.cognitoUsername)).toBe(person.email);
    await expect(login(moved, TEST_PASSWORD)).resolves.toHaveProperty('accessToken');
    expect((await signIn(person.email, TEST_PASSWORD)).status).toBe(401);

    // Naming the email again repairs the drift.
    const repaired = await call('PATCH', `/users/${person.id}`, { token: trust.token, body: { email: moved }, headers: { 'if-match': `"${person.version + 1}"` } });
    expect(repaired.status).toBe(200);
    expect(await cognitoEmailOf(person.cognitoUsername)).toBe(moved);
  });

  it('touches Cognito only after the table took the change: of two people racing for one address, only the winner\'s login moves', async () => {
    const [first, second] = await Promise.all([activePerson(), activePerson()]);
    const contested = uniqueEmail('contested');
    const cognito = mockClient(CognitoIdentityProviderClient);
    cognito.on(AdminUpdateUserAttributesCommand).resolves({});
    let responses;
    let updated: (string | undefined)[];
    try {
      responses = await Promise.all([first, second].map((p) => updateUser(patchEvent(p.id, p.version, { email: contested }), lambdaContext())));
      updated = cognito.commandCalls(AdminUpdateUserAttributesCommand).map((c) => c.args[0].input.Username);
    } finally {
      cognito.restore();
    }
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = responses[0]!.statusCode === 200 ? first : second;
    const loser = winner === first ? second : first;
    expect(updated).toEqual([winner.cognitoUsername]);
    expect((await profileItem(trust, loser.id)).email).toBe(loser.email);
    await expect(login(loser.email, TEST_PASSWORD)).resolves.toHaveProperty('accessToken');
  });

  it('keeps the change and its audit record when the notice to the old address cannot be sent', async () => {
    const person = await activePerson();
    const moved = uniqueEmail('moved');
    const ses = mockClient(SESClient);
    ses.on(SendEmailCommand).rejects(awsError('MessageRejected'));
    let response;
    let sentTo: unknown[];
    try {
      response = await updateUser(patchEvent(person.id, person.version, { email: moved }), lambdaContext());
      sentTo = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses);
    } finally {
      ses.restore();
    }
    expect(response.statusCode).toBe(200);
    expect(sentTo).toEqual([[person.email]]);
    expect((await profileItem(trust, person.id)).email).toBe(moved);
    const record = (await auditOf(trust, person.id)).find((entry) => entry.action === 'user.updated');
    expect(record).toMatchObject({ before: { email: person.email }, after: { email: moved } });
    await expect(login(moved, TEST_PASSWORD)).resolves.toHaveProperty('accessToken');
  });
});
