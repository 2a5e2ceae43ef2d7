import { randomUUID } from 'node:crypto';
import { AdminCreateUserCommand, AdminDeleteUserCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as createUser } from '../../functions/users/create-user';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

const { ddb, cognito, ses } = mockAws();

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

/** The pending email claim the create put before it touched Cognito. */
const claimPut = () => {
  const puts = ddb.commandCalls(PutCommand).filter((call) => call.args[0].input.Item?.entity === 'email-claim');
  expect(puts).toHaveLength(1);
  return puts[0]!.args[0].input;
};
/** The claim deletions, each conditional on being this request's claim. */
const claimReleases = () =>
  ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input).filter((input) => String(input.Key?.pk).startsWith('EMAIL#'));
const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: {} });
const cognitoError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });

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
      const key = item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key ?? {};
      return `${key.pk}|${key.sk}`;
    });
    expect(new Set(touched).size).toBe(touched.length);
    expect(touched.some((key) => key.endsWith('|PROFILE'))).toBe(true);
    // The caller's own profile is checked as it was resolved (active, version 1): the write lands only while they are so.
    const callerCheck = items.find((item) => item.ConditionCheck?.Key?.sk === 'PROFILE')!.ConditionCheck!;
    expect(callerCheck.ConditionExpression).toContain('#status = :active AND version = :seen');
    expect(callerCheck.ExpressionAttributeValues).toMatchObject({ ':active': 'active', ':seen': 1 });
    expect(touched.some((key) => key.startsWith('EMAIL#new@t.example'))).toBe(true);
    // The school is touched once, with +2 (a membership and a role there).
    const schoolUpdates = items.filter((item) => item.Update?.UpdateExpression === 'ADD refCount :delta, refSum :sumDelta');
    expect(schoolUpdates).toHaveLength(1);
    expect(schoolUpdates[0]!.Update!.ExpressionAttributeValues![':delta']).toBe(2);
    // The email item replaces this request's own pending claim, and nothing else.
    const claimId = claimPut().Item!.claimId;
    const email = items.find((item) => String(item.Put?.Item?.pk).startsWith('EMAIL#'))!.Put!;
    expect(email.Item).toMatchObject({ entity: 'email', userId: expect.any(String) });
    expect(email.ConditionExpression).toContain('claimId = :claimId');
    expect(email.ExpressionAttributeValues![':claimId']).toBe(claimId);
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
    // The store's own message never reaches the caller (the problem's `detail` field is the generic message; review F, F-7).
    expect(response.body).not.toContain('internal failure');
    expect(JSON.parse(response.body!)).toMatchObject({ code: 'internal_error', detail: 'Something went wrong on our side' });
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

describe('POST /users: the email is claimed before Cognito, and every crash in between is recoverable', () => {
  it('answers 409 email_taken without any Cognito call when another create holds the email\'s claim', async () => {
    const { event } = arrange();
    ddb.on(PutCommand).rejects(conditionFailed());
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).code).toBe('email_taken');
    // The loser never creates, reads, adopts or deletes a Cognito user.
    expect(cognito.calls()).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(claimReleases()).toHaveLength(0);
  });

  it('claims with a condition that only a free email or an expired pending claim meets, with an expiry', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-5' } });
    await createUser(event, lambdaContext());
    const claim = claimPut();
    expect(claim.Item).toMatchObject({ pk: 'EMAIL#new@t.example', entity: 'email-claim', expiresAt: expect.any(Number) });
    expect(claim.ConditionExpression).toBe('attribute_not_exists(pk) OR (#entity = :claim AND expiresAt < :now)');
    const now = claim.ExpressionAttributeValues![':now'] as number;
    expect(claim.Item!.expiresAt).toBe(now + 300);
  });

  it('releases its claim, and only its own, when Cognito fails after the claim', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).rejects(cognitoError('InternalErrorException'));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(500);
    const [release] = claimReleases();
    expect(release).toMatchObject({ Key: { pk: 'EMAIL#new@t.example', sk: 'EMAIL' }, ConditionExpression: '#entity = :claim AND claimId = :claimId' });
    expect(release!.ExpressionAttributeValues![':claimId']).toBe(claimPut().Item!.claimId);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('deletes the Cognito user it created and releases the claim when the table transaction fails after Cognito', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'cognito-sub-6' } });
    cognito.on(AdminDeleteUserCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'None', 'None', 'ConditionalCheckFailed', 'None', 'None', 'None']));
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(409);
    expect(cognito.commandCalls(AdminDeleteUserCommand).map((call) => call.args[0].input.Username)).toEqual(['cognito-sub-6']);
    expect(claimReleases()).toHaveLength(1);
  });

  it('after a crash left an expired claim and a Cognito user no account uses, adopts that user and creates the account', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).rejects(cognitoError('UsernameExistsException'));
    cognito.on(AdminGetUserCommand).resolves({ Username: 'orphan-sub' });
    ddb.on(GetCommand, { Key: keys.identity('orphan-sub') }).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(201);
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.some((item) => item.Put?.Item?.pk === 'SUB#orphan-sub')).toBe(true);
    expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(0);
  });

  it('answers 409 and leaves the Cognito user alone when the existing user is some account\'s login', async () => {
    const { event } = arrange();
    cognito.on(AdminCreateUserCommand).rejects(cognitoError('UsernameExistsException'));
    cognito.on(AdminGetUserCommand).resolves({ Username: 'someones-sub' });
    ddb.on(GetCommand, { Key: keys.identity('someones-sub') }).resolves({ Item: { trustId: 't', userId: 'u' } });
    const response = await createUser(event, lambdaContext());
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).code).toBe('email_taken');
    expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(claimReleases()).toHaveLength(1);
  });
});
