import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as createNode } from '../../functions/nodes/create-node';
import { handler as updateNode } from '../../functions/nodes/update-node';
import { handler as listNodes } from '../../functions/nodes/list-nodes';
import { handler as login } from '../../functions/auth/login';
import { httpEvent, lambdaContext } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
afterAll(() => {
  ddb.restore();
  cognito.restore();
});

/** A signed-in trust admin whose account, trust and tree the mocked table returns. */
function arrangeCaller() {
  const trustId = randomUUID();
  const userId = randomUUID();
  const sub = randomUUID();
  const clusterId = randomUUID();
  const trust = { ...keys.trustMeta(trustId), id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: userId, createdAt: '2026-01-01T00:00:00Z' };
  const account = {
    ...keys.userProfile(trustId, userId), id: userId, trustId, email: 'a@b.c', firstName: 'A', lastName: 'B', userType: 'staff',
    status: 'active', source: 'manual', cognitoUsername: sub, sessionsValidAfter: 0, version: 1, createdAt: '', updatedAt: '',
  };
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId } });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: trust });
  // The caller's own partition: profile and the Trust Admin role at the root.
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({
    Items: [account, { ...keys.assignment(trustId, userId, 'a1'), id: 'a1', roleId: 'preset-trust-admin', nodeId: trustId }],
  });
  // The trust's partition: its tree.
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
    Items: [
      { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
      { ...keys.node(trustId, clusterId), id: clusterId, kind: 'cluster', name: 'C', parentId: trustId, version: 1 },
    ],
  });
  return { trustId, userId, sub, clusterId };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: {} });
const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });

beforeEach(() => {
  ddb.reset();
  cognito.reset();
});

describe('the HTTP layer around every handler', () => {
  it('answers 429 throttled with Retry-After when DynamoDB keeps throttling', async () => {
    const { sub, trustId, userId } = arrangeCaller();
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).rejects(throttled());
    const response = await listNodes(httpEvent({ method: 'GET', path: '/nodes', sub }), lambdaContext());
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(response.body!).code).toBe('throttled');
  });

  it('answers a bare 500 that leaks nothing for an unexpected error', async () => {
    const { sub, trustId } = arrangeCaller();
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).rejects(new Error('secret table detail xyz'));
    const response = await listNodes(httpEvent({ method: 'GET', path: '/nodes', sub }), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('xyz');
    expect(JSON.parse(response.body!)).toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('answers 401 when the token belongs to no account', async () => {
    ddb.on(GetCommand).resolves({});
    const response = await listNodes(httpEvent({ method: 'GET', path: '/nodes', sub: randomUUID() }), lambdaContext());
    expect(response.statusCode).toBe(401);
  });

  it('answers 401 to an ID token that the JWT authorizer let through, before loading any account', async () => {
    // API Gateway's JWT authorizer accepts Cognito ID tokens (it checks `aud` as well as `client_id`).
    const { sub } = arrangeCaller();
    for (const tokenUse of ['id', '']) {
      const response = await listNodes(httpEvent({ method: 'GET', path: '/nodes', sub, tokenUse }), lambdaContext());
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body!).code).toBe('unauthenticated');
    }
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    // The same caller with an access token is served.
    expect((await listNodes(httpEvent({ method: 'GET', path: '/nodes', sub }), lambdaContext())).statusCode).toBe(200);
  });

  it('answers 400 before touching the table when the body is invalid', async () => {
    const { sub } = arrangeCaller();
    const response = await createNode(httpEvent({ method: 'POST', path: '/nodes', sub, body: { kind: 'school' } }), lambdaContext());
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).errors.map((e: { path: string }) => e.path)).toEqual(['name', 'parentId']);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('tree changes against a failing table', () => {
  it('re-plans and succeeds when another change bumped the tree version in between', async () => {
    const { sub, clusterId, trustId, userId } = arrangeCaller();
    ddb.on(GetCommand, { Key: keys.trustMeta(trustId) })
      .resolvesOnce({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: userId, createdAt: '' } })
      .resolves({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 2, adminUserId: userId, createdAt: '' } });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['ConditionalCheckFailed', 'None', 'None'])).resolves({});
    const response = await createNode(
      httpEvent({ method: 'POST', path: '/nodes', sub, body: { kind: 'school', name: 'S', parentId: clusterId } }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(201);
    const writes = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems![0]!.Update!.ExpressionAttributeValues);
    expect(writes.map((values) => values![':seen'])).toEqual([1, 2]);
  });

  it('answers 412 when the node\'s version condition fails in the transaction', async () => {
    const { sub, clusterId } = arrangeCaller();
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    const response = await updateNode(
      httpEvent({ method: 'PATCH', path: `/nodes/${clusterId}`, routePath: '/nodes/{id}', pathParameters: { id: clusterId }, sub, body: { name: 'Renamed' }, headers: { 'if-match': '1' } }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(412);
    expect(JSON.parse(response.body!).code).toBe('version_conflict');
  });

  it('answers 429 when the transaction is throttled', async () => {
    const { sub, clusterId } = arrangeCaller();
    ddb.on(TransactWriteCommand).rejects(cancelled(['ThrottlingError', 'None', 'None']));
    const response = await createNode(
      httpEvent({ method: 'POST', path: '/nodes', sub, body: { kind: 'school', name: 'S', parentId: clusterId } }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(429);
  });
});

describe('POST /auth/login against a failing Cognito', () => {
  function arrangeAccount(email: string) {
    const trustId = randomUUID();
    const userId = randomUUID();
    ddb.on(GetCommand, { Key: keys.email(email) }).resolves({ Item: { trustId, userId } });
    // The sign-in loads the person's partition (profile and placements) and the trust's lockout policy.
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, userId) } }).resolves({
      Items: [{ ...keys.userProfile(trustId, userId), id: userId, trustId, email, status: 'active', cognitoUsername: randomUUID(), sessionsValidAfter: 0 }],
    });
    ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: userId, createdAt: '' } });
  }

  it('answers 429 when Cognito rate-limits', async () => {
    arrangeAccount('busy@test.example');
    cognito.on(InitiateAuthCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException', $metadata: {} }));
    const response = await login(httpEvent({ method: 'POST', path: '/auth/login', body: { email: 'busy@test.example', password: 'whatever-1' } }), lambdaContext());
    expect(response.statusCode).toBe(429);
  });

  it('maps AWS\'s NotAuthorizedException and the emulator\'s InvalidPasswordException to one 401', async () => {
    for (const name of ['NotAuthorizedException', 'InvalidPasswordException']) {
      arrangeAccount('user@test.example');
      cognito.on(InitiateAuthCommand).rejects(Object.assign(new Error('no'), { name, $metadata: {} }));
      const response = await login(httpEvent({ method: 'POST', path: '/auth/login', body: { email: 'user@test.example', password: 'whatever-1' } }), lambdaContext());
      expect(response.statusCode).toBe(401);
      expect(JSON.parse(response.body!).code).toBe('invalid_credentials');
    }
  });

  it('answers 500 without detail when Cognito fails unexpectedly', async () => {
    arrangeAccount('broken@test.example');
    cognito.on(InitiateAuthCommand).rejects(Object.assign(new Error('internal cognito trace'), { name: 'InternalErrorException', $metadata: {} }));
    const response = await login(httpEvent({ method: 'POST', path: '/auth/login', body: { email: 'broken@test.example', password: 'whatever-1' } }), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('cognito trace');
  });
});
