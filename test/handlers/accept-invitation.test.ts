import { AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as accept } from '../../functions/auth/accept-invitation';
import { newLinkToken } from '../../domain/identity/tokens';
import { mockAws } from '../fixtures/aws-mocks';
import { httpEvent, lambdaContext } from '../fixtures/events';

const { ddb, cognito } = mockAws();

function arrange() {
  const { token, hash } = newLinkToken();
  ddb.on(GetCommand, { Key: keys.linkToken(hash) }).resolves({
    Item: { purpose: 'invitation', trustId: 't1', userId: 'u1', validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  ddb.on(GetCommand, { Key: keys.userProfile('t1', 'u1') }).resolves({
    Item: { id: 'u1', trustId: 't1', email: 'ivy@test.example', firstName: 'Ivy', status: 'invited', cognitoUsername: 'c-1', invitationTokenHash: hash, version: 1 },
  });
  return httpEvent({ method: 'POST', path: '/auth/invitations/accept', body: { token, password: 'Lantern-Harbour-93' } });
}

describe('POST /auth/invitations/accept against a failing Cognito', () => {
  it('answers 500 and releases the link, so the same link works again', async () => {
    const event = arrange();
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminSetUserPasswordCommand).rejects(Object.assign(new Error('cognito internal'), { name: 'InternalErrorException', $metadata: {} }));
    const response = await accept(event, lambdaContext());
    expect(response.statusCode).toBe(500);
    const writes = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
    expect(writes).toHaveLength(2);
    expect(writes[0]![0]!.Update!.UpdateExpression).toBe('SET usedAt = :now');
    expect(writes[1]![0]!.Update!.UpdateExpression).toBe('REMOVE usedAt');
    expect(writes[1]![1]!.Update!.ExpressionAttributeValues).toMatchObject({ ':v0': 'invited' });
  });

  it('answers a password Cognito refuses with 400 weak_password naming the field, not a 500, and releases the link only while the account is still active (review A, L3)', async () => {
    const event = arrange();
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminSetUserPasswordCommand).rejects(Object.assign(new Error('Password does not conform to policy'), { name: 'InvalidPasswordException', $metadata: {} }));
    const response = await accept(event, lambdaContext());
    expect(response.statusCode).toBe(400);
    const problem = JSON.parse(response.body!);
    expect(problem.code).toBe('weak_password');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'password' })]);
    const release = ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![1]!.Update!;
    // A deactivation that landed between the claim and the release stands: the release is conditional.
    // Only while active, as the claim left it (a lock after an acceptance stands too).
    expect(release.ConditionExpression).toBe('#claimStatus IN (:s0)');
    expect(release.ExpressionAttributeValues).toMatchObject({ ':s0': 'active' });
    expect(release.ExpressionAttributeValues).not.toHaveProperty(':s1');
  });

  it('answers 410 token_used without touching Cognito when a concurrent accept won the claim', async () => {
    const event = arrange();
    ddb.on(TransactWriteCommand).rejects(
      Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }], $metadata: {} }),
    );
    const response = await accept(event, lambdaContext());
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body!).code).toBe('token_used');
    expect(cognito.commandCalls(AdminSetUserPasswordCommand)).toHaveLength(0);
  });
});
