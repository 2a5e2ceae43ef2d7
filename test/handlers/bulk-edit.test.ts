import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys';
import { editPeople } from '../../functions/users/bulk-edit';
import { handler as bulkEdit } from '../../functions/users/bulk-edit-users';
import { resolveCaller } from '../../functions/http/caller';
import { httpEvent, lambdaContext } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
afterAll(() => ddb.restore());
beforeEach(() => ddb.reset());

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });

/**
 * A trust whose caller holds a custom role with users.bulk, users.edit and
 * users.view at the root, and `count` people placed at North. In AWS, people
 * placed at one school at once all increment that node's counter, and
 * DynamoDB cancels a transaction that meets another on an item
 * (TransactionConflict), which DynamoDB Local never does.
 */
function arrange(count: number) {
  const trustId = randomUUID();
  const callerId = randomUUID();
  const sub = randomUUID();
  const north = `north-${trustId}`;
  const south = `south-${trustId}`;
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId: callerId } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, callerId) } }).resolves({
    Items: [
      { ...keys.userProfile(trustId, callerId), id: callerId, trustId, email: 'caller@t.example', status: 'active', userType: 'staff', cognitoUsername: sub, sessionsValidAfter: 0, version: 1 },
      { ...keys.assignment(trustId, callerId, 'a0'), id: 'a0', roleId: 'role-bulk', nodeId: trustId },
    ],
  });
  ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: 'x', createdAt: '' } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
    Items: [
      { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
      { ...keys.node(trustId, north), id: north, kind: 'school', name: 'North', parentId: trustId, version: 1 },
      { ...keys.node(trustId, south), id: south, kind: 'school', name: 'South', parentId: trustId, version: 1 },
      { ...keys.role(trustId, 'role-bulk'), id: 'role-bulk', name: 'Bulk', description: '', scope: 'any', permissions: ['users.view', 'users.edit', 'users.bulk'], assignableRoles: [], version: 1 },
    ],
  });
  const people = Array.from({ length: count }, () => {
    const id = randomUUID();
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, id) } }).resolves({
      Items: [
        { ...keys.userProfile(trustId, id), id, trustId, email: `${id}@t.example`, status: 'active', userType: 'staff', cognitoUsername: id, sessionsValidAfter: 0, version: 1 },
        { ...keys.membership(trustId, id, north), nodeId: north, primary: true, isManager: false, createdAt: '2025-01-01T00:00:00.000Z' },
      ],
    });
    return id;
  });
  return { trustId, sub, south, people };
}

const place = (sub: string, userIds: string[], nodeId: string) =>
  bulkEdit(httpEvent({ method: 'POST', path: '/users/bulk', body: { userIds, actions: [{ op: 'addMembership', nodeId }] }, sub }), lambdaContext());
const profileOf = (input: any) => input.TransactItems.find((item: any) => item.Update?.Key?.sk === 'PROFILE')?.Update.Key.pk as string;

describe('POST /users/bulk when transactions meet on a shared item (TransactionConflict)', () => {
  it('plans and writes a person again after a pause, so every person lands', async () => {
    const { sub, south, people } = arrange(3);
    let conflicts = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      if (conflicts++ < 2) throw cancelled(['None', 'TransactionConflict']);
      return {};
    });
    const response = await place(sub, people, south);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ applied: 3, failed: 0 });
    expect(body.results.every((r: any) => r.ok && r.changed)).toBe(true);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(5);
  });

  it('gives up on one person after 8 goes (their result: concurrent_change) and still applies the others', async () => {
    const { trustId, sub, south, people } = arrange(3);
    const stuck = keys.personPartition(trustId, people[1]!);
    ddb.on(TransactWriteCommand).callsFake((input: any) => {
      if (profileOf(input) === stuck) throw cancelled(['None', 'TransactionConflict']);
      return {};
    });
    const body = JSON.parse((await place(sub, people, south)).body!);
    expect(body).toMatchObject({ applied: 2, failed: 1 });
    expect(body.results[1]).toMatchObject({ userId: people[1], ok: false, changed: false, error: { code: 'concurrent_change' } });
    expect(ddb.commandCalls(TransactWriteCommand).filter((call) => profileOf(call.args[0].input) === stuck)).toHaveLength(8);
  }, 20_000);
});

describe('POST /users/bulk near the end of its time', () => {
  it('answers not_attempted (unchanged) for the people it has no time left to start, instead of timing out without an answer', async () => {
    const { sub, south, people } = arrange(3);
    ddb.on(TransactWriteCommand).resolves({});
    const caller = await resolveCaller({ sub, token_use: 'access', auth_time: Math.floor(Date.now() / 1000) });
    const answer = await editPeople(caller, { userIds: people, actions: [{ op: 'addMembership', nodeId: south }], dryRun: false }, { deadline: Date.now() - 1 });
    expect(answer).toMatchObject({ applied: 0, failed: 3 });
    expect(answer.results.map((r) => r.error?.code)).toEqual(['not_attempted', 'not_attempted', 'not_attempted']);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
