import { randomUUID } from 'node:crypto';
import { AdminCreateUserCommand, AdminDeleteUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as createUser } from '../../functions/users/create-user';
import { httpEvent, lambdaContext } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const ses = mockClient(SESClient);
afterAll(() => {
  ddb.restore();
  cognito.restore();
  ses.restore();
});
beforeEach(() => {
  ddb.reset();
  cognito.reset();
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
});

/** A trust admin whose account, trust and tree (trust > school) the mocked table returns. */
function arrange() {
  const trustId = randomUUID();
  const userId = randomUUID();
  const sub = randomUUID();
  const schoolId = randomUUID();
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId } });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: userId, createdAt: '' } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({
    Items: [
      { ...keys.userProfile(trustId, userId), id: userId, trustId, email: 'admin@t.example', status: 'active', userType: 'staff', cognitoUsername: sub, sessionsValidAfter: 0, version: 1 },
      { ...keys.assignment(trustId, userId, 'a1'), id: 'a1', roleId: 'preset-trust-admin', nodeId: trustId },
    ],
  });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
    Items: [
      { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
      { ...keys.node(trustId, schoolId), id: schoolId, kind: 'school', name: 'S', parentId: trustId, version: 1 },
    ],
  });
  ddb.on(GetCommand, { Key: keys.email('new@t.example') }).resolves({});
  const event = httpEvent({
    method: 'POST', path: '/users', sub,
    body: { firstName: 'New', lastName: 'Person', email: 'new@t.example', userType: 'staff', memberships: [{ nodeId: schoolId }], roles: [{ roleId: 'preset-teacher', nodeId: schoolId }] },
  });
  return { event };
}

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });

describe('POST /users against failing stores', () => {
  it('writes the account, its placement, its role, the counters and the audit in one transaction', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-1' } });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(201);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    // DynamoDB refuses a transaction that touches one item twice.
    const touched = items.map((item) => {
      const key = item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? {};
      return `${key.pk}|${key.sk}`;
    });
    expect(new Set(touched).size).toBe(touched.length);
    expect(touched.some((key) => key.endsWith('|PROFILE'))).toBe(true);
    expect(touched.some((key) => key.startsWith('EMAIL#new@t.example'))).toBe(true);
    // The school is touched once, with +2 (a membership and a role there).
    const schoolUpdates = items.filter((item) => item.Update?.UpdateExpression === 'ADD refCount :delta');
    expect(schoolUpdates).toHaveLength(1);
    expect(schoolUpdates[0]!.Update!.ExpressionAttributeValues![':delta']).toBe(2);
  });

  it('answers 409 email_taken when the email item\'s condition fails, and removes the Cognito user it made', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-2' } });
    cognito.on(AdminDeleteUserCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None', 'None']));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).code).toBe('email_taken');
    expect(cognito.commandCalls(AdminDeleteUserCommand)[0]!.args[0].input.Username).toBe('cognito-sub-2');
  });

  it('answers 429 and writes nothing when Cognito rate-limits the account creation', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException', $metadata: {} }));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 500 and removes the Cognito user when the transaction fails unexpectedly', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-3' } });
    cognito.on(AdminDeleteUserCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(new Error('internal failure detail'));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('detail');
    expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(1);
  });

  it('keeps the account invited, with its invitation link stored, when SES rejects the email', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-4' } });
    ddb.on(TransactWriteCommand).resolves({});
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected', $metadata: {} }));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body!)).toMatchObject({ status: 'invited', invitationSent: false });
    // Account first, then the invitation token (so a re-send works); nothing rolled back.
    const writes = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
    expect(writes).toHaveLength(2);
    expect(writes[1]!.some((item) => String(item.Put?.Item?.pk).startsWith('TOKEN#'))).toBe(true);
    expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(0);
  });
});
