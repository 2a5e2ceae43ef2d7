import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keyHash } from '../../functions/adapters/dynamo/counted-index';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as updateNode } from '../../functions/nodes/update-node';
import { httpEvent, lambdaContext } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
afterAll(() => ddb.restore());
beforeEach(() => ddb.reset());

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });

describe('PATCH /nodes/{id} when someone is given a role at the destination meanwhile', () => {
  it('conditions the move on the destination\'s refCount it read, and re-plans with the new holder (403 escalation)', async () => {
    const trustId = randomUUID();
    const callerId = randomUUID();
    const sub = randomUUID();
    const [north, south, school] = [`north-${trustId}`, `south-${trustId}`, `school-${trustId}`];
    const role = (id: string, permissions: string[]) => ({ ...keys.role(trustId, id), id, name: id, description: '', scope: 'any', permissions, assignableRoles: [], version: 1 });
    const node = (id: string, kind: string, parentId: string | null) => ({ ...keys.node(trustId, id), id, kind, name: id, parentId, version: 1 });
    ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId: callerId } });
    ddb.on(GetCommand, { Key: keys.trustMeta(trustId) }).resolves({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion: 1, adminUserId: 'x', createdAt: '' } });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, callerId) } }).resolves({
      Items: [
        { ...keys.userProfile(trustId, callerId), id: callerId, trustId, email: 'c@t.example', status: 'active', userType: 'staff', cognitoUsername: sub, sessionsValidAfter: 0, version: 1 },
        { ...keys.assignment(trustId, callerId, 'a1'), id: 'a1', roleId: 'role-mover', nodeId: trustId },
      ],
    });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } }).resolves({
      Items: [
        node(trustId, 'trust', null), node(north, 'cluster', trustId), node(south, 'cluster', trustId), node(school, 'school', north),
        role('role-mover', ['org.manage', 'roles.assign', 'users.view']), role('role-wide', ['users.view', 'reports.view']),
      ],
    });
    const held = keys.assignment(trustId, 'someone', 'a9');
    ddb.on(GetCommand, { Key: keys.node(trustId, south) }).resolvesOnce({ Item: { checksummed: true } }).resolves({ Item: { refCount: 1, refSum: keyHash(held), checksummed: true } });
    ddb.on(QueryCommand, { IndexName: 'gsi1' })
      .resolvesOnce({ Items: [] })
      .resolves({ Items: [{ ...held, gsi1sk: keys.assignmentIndexSort('someone', 'a9'), userId: 'someone', roleId: 'role-wide', nodeId: south }] });
    // Trust version bump, node update, audit, the destination's refCount and checksum check: the last one fails.
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'None', 'None', 'ConditionalCheckFailed'])).resolves({});

    const response = await updateNode(
      httpEvent({ method: 'PATCH', path: `/nodes/${school}`, routePath: '/nodes/{id}', pathParameters: { id: school }, body: { parentId: south }, headers: { 'if-match': '1' }, sub }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!).code).toBe('escalation');
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const check = writes[0]!.args[0].input.TransactItems![3]!.ConditionCheck!;
    expect(check).toMatchObject({ Key: keys.node(trustId, south), ConditionExpression: '(attribute_not_exists(refCount) OR refCount = :seenCount) AND (attribute_not_exists(refSum) OR refSum = :seenSum)',
      ExpressionAttributeValues: { ':seenCount': 0, ':seenSum': 0 },
    });
  });
});
