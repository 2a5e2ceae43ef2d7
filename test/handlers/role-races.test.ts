import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keyHash } from '../../functions/adapters/dynamo/counted-index';
import { keys } from '../../functions/adapters/dynamo/keys';
import { handler as addRole } from '../../functions/users/add-role';
import { handler as updateRole } from '../../functions/roles/update-role';
import { httpEvent, lambdaContext } from '../fixtures/events';

const ddb = mockClient(DynamoDBDocumentClient);
afterAll(() => ddb.restore());
beforeEach(() => ddb.reset());

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })), $metadata: {} });

const NARROW = ['users.view'];
const WIDE = ['users.view', 'reports.view'];
const role = (trustId: string, id: string, permissions: string[], version = 1) => ({
  ...keys.role(trustId, id), id, name: id, description: '', scope: 'any', permissions, assignableRoles: [], version,
});

/**
 * A trust (root > north, south) whose caller holds `rolesAtRoot` at the root
 * and role-assigner (roles.assign, users.view) at South; role-narrow is custom.
 * `trees` are what the trust partition holds at versions 1, 2, ...
 */
function arrange(rolesAtRoot: string[], trees: (trustId: string) => Record<string, unknown>[][]) {
  const trustId = randomUUID();
  const callerId = randomUUID();
  const sub = randomUUID();
  const north = `north-${trustId}`;
  const south = `south-${trustId}`;
  ddb.on(GetCommand, { Key: keys.identity(sub) }).resolves({ Item: { trustId, userId: callerId } });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, callerId) } }).resolves({
    Items: [
      { ...keys.userProfile(trustId, callerId), id: callerId, trustId, email: 'caller@t.example', status: 'active', userType: 'staff', cognitoUsername: sub, sessionsValidAfter: 0, version: 1 },
      ...rolesAtRoot.map((roleId, i) => ({ ...keys.assignment(trustId, callerId, `a${i}`), id: `a${i}`, roleId, nodeId: trustId })),
      { ...keys.assignment(trustId, callerId, 'a-south'), id: 'a-south', roleId: 'role-assigner', nodeId: south },
    ],
  });
  const meta = (treeVersion: number) => ({ Item: { id: trustId, name: 'T', rootNodeId: trustId, treeVersion, adminUserId: 'x', createdAt: '' } });
  const metaMock = ddb.on(GetCommand, { Key: keys.trustMeta(trustId) });
  const treeMock = ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) } });
  const nodes = [
    { ...keys.node(trustId, trustId), id: trustId, kind: 'trust', name: 'T', parentId: null, version: 1 },
    { ...keys.node(trustId, north), id: north, kind: 'cluster', name: 'North', parentId: trustId, version: 1 },
    { ...keys.node(trustId, south), id: south, kind: 'cluster', name: 'South', parentId: trustId, version: 1 },
  ];
  const versions = trees(trustId);
  versions.forEach((roles, i) => {
    metaMock.resolvesOnce(meta(i + 1));
    treeMock.resolvesOnce({ Items: [...nodes, ...roles] });
  });
  metaMock.resolves(meta(versions.length));
  treeMock.resolves({ Items: [...nodes, ...versions.at(-1)!] });
  return { trustId, sub, north, south };
}

describe('POST /users/{id}/roles when a role changes between the plan and the write', () => {
  function target(trustId: string, nodeId: string) {
    const targetId = randomUUID();
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': keys.personPartition(trustId, targetId) } }).resolves({
      Items: [
        { ...keys.userProfile(trustId, targetId), id: targetId, trustId, email: 't@t.example', status: 'active', userType: 'staff', cognitoUsername: 'c', sessionsValidAfter: 0, version: 1 },
        { ...keys.membership(trustId, targetId, nodeId), nodeId, primary: true, isManager: false },
      ],
    });
    return targetId;
  }
  const assign = (sub: string, targetId: string, nodeId: string) =>
    addRole(httpEvent({ method: 'POST', path: `/users/${targetId}/roles`, routePath: '/users/{id}/roles', pathParameters: { id: targetId }, body: { roleId: 'role-narrow', nodeId }, sub }), lambdaContext());
  const trustCheck = (items: any[]) => items.find((item) => item.ConditionCheck?.Key?.sk === 'META')?.ConditionCheck;

  it('conditions the grant on the trust version it was planned on, and re-plans on the widened role, refusing with 403 escalation', async () => {
    const { trustId, sub, north } = arrange(['role-assigner'], (t) => [
      [role(t, 'role-assigner', ['roles.assign', 'users.view']), role(t, 'role-narrow', NARROW)],
      [role(t, 'role-assigner', ['roles.assign', 'users.view']), role(t, 'role-narrow', WIDE, 2)],
    ]);
    const targetId = target(trustId, north);
    // Profile, assignment, node counter, role counter, audit, trust version check: the last one fails.
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'None', 'None', 'None', 'None', 'ConditionalCheckFailed'])).resolves({});
    const response = await assign(sub, targetId, north);
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!).code).toBe('escalation');
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    expect(trustCheck(writes[0]!.args[0].input.TransactItems!)).toMatchObject({ ConditionExpression: 'treeVersion = :planned', ExpressionAttributeValues: { ':planned': 1 } });
  });

  it('stores the grant on the second plan when the trust moved on without touching the role', async () => {
    const { trustId, sub, north } = arrange(['role-assigner'], (t) => [
      [role(t, 'role-assigner', ['roles.assign', 'users.view']), role(t, 'role-narrow', NARROW)],
      [role(t, 'role-assigner', ['roles.assign', 'users.view']), role(t, 'role-narrow', NARROW)],
    ]);
    const targetId = target(trustId, north);
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'None', 'None', 'None', 'None', 'ConditionalCheckFailed'])).resolves({});
    const response = await assign(sub, targetId, north);
    expect(response.statusCode).toBe(201);
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(2);
    expect(trustCheck(writes[1]!.args[0].input.TransactItems!).ExpressionAttributeValues).toEqual({ ':planned': 2 });
  });
});

describe('PATCH /roles/{id} when someone is given the role meanwhile', () => {
  const definer = (t: string) => role(t, 'role-definer', ['roles.define', 'users.view', 'reports.view']);
  const assigner = (t: string) => role(t, 'role-assigner', ['roles.assign', 'users.view']);
  const widen = (sub: string) =>
    updateRole(
      httpEvent({ method: 'PATCH', path: '/roles/role-narrow', routePath: '/roles/{id}', pathParameters: { id: 'role-narrow' }, body: { permissions: WIDE }, headers: { 'if-match': '1' }, sub }),
      lambdaContext(),
    );

  it('conditions the update on the holders counter it read, and re-plans with the new holder when it moved (403 without roles.assign there)', async () => {
    const { trustId, sub, north } = arrange(['role-definer'], (t) => [[definer(t), assigner(t), role(t, 'role-narrow', NARROW)]]);
    const held = keys.assignment(trustId, 'someone', 'a9');
    ddb.on(GetCommand, { Key: keys.role(trustId, 'role-narrow') })
      .resolvesOnce({ Item: { holders: 0, checksummed: true } })
      .resolves({ Item: { holders: 1, holdersSum: keyHash(held), checksummed: true } });
    ddb.on(QueryCommand, { IndexName: 'gsi2' })
      .resolvesOnce({ Items: [] })
      // The index lags the counter once, then shows the new holder.
      .resolvesOnce({ Items: [] })
      .resolves({ Items: [{ ...held, userId: 'someone', nodeId: north }] });
    // Trust version bump, role update, audit: the role update's condition fails.
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled(['None', 'ConditionalCheckFailed', 'None'])).resolves({});
    const response = await widen(sub);
    expect(response.statusCode).toBe(403);
    const writes = ddb.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const update = writes[0]!.args[0].input.TransactItems![1]!.Update!;
    expect(update.ConditionExpression).toBe('version = :expected AND (attribute_not_exists(holders) OR holders = :holdersCount) AND (attribute_not_exists(holdersSum) OR holdersSum = :holdersSum)');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':holdersCount': 0, ':holdersSum': 0 });
  });

  it('answers 409 concurrent_change, writing nothing, while the index never catches up with the counter', async () => {
    const { trustId, sub } = arrange(['role-definer'], (t) => [[definer(t), assigner(t), role(t, 'role-narrow', NARROW)]]);
    ddb.on(GetCommand, { Key: keys.role(trustId, 'role-narrow') }).resolves({ Item: { holders: 2, holdersSum: 7, checksummed: true } });
    ddb.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [{ ...keys.assignment(trustId, 'one', 'a1'), userId: 'one', nodeId: trustId }] });
    const response = await widen(sub);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).code).toBe('concurrent_change');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

/**
 * DynamoDB cancels a transaction with `TransactionConflict` when another one holds one of its items at that instant, and
 * then applies none of it; DynamoDB Local never answers it (bench/probes/transactions-local.ts), so only here is the
 * path run. The edit is planned again on the trust read afresh and answers what that plan stores, never "try again"
 * for a write that landed, and 409 only after ATTEMPTS cancellations.
 */
describe('PATCH /roles/{id} when DynamoDB cancels the write with TransactionConflict', () => {
  const definer = (t: string) => role(t, 'role-definer', ['roles.define', 'users.view', 'reports.view']);
  const rename = (sub: string) =>
    updateRole(
      httpEvent({ method: 'PATCH', path: '/roles/role-narrow', routePath: '/roles/{id}', pathParameters: { id: 'role-narrow' }, body: { name: 'Renamed' }, headers: { 'if-match': '1' }, sub }),
      lambdaContext(),
    );
  const conflict = () => cancelled(['TransactionConflict', 'None', 'None']);

  it('plans again and answers 200 with what the second write stored', async () => {
    const { sub } = arrange(['role-definer'], (t) => [[definer(t), role(t, 'role-narrow', NARROW)]]);
    ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});
    const response = await rename(sub);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toMatchObject({ id: 'role-narrow', name: 'Renamed', version: 2 });
    const writes = ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
    expect(writes).toHaveLength(2);
    for (const items of writes) expect(items[1]!.Update!.ExpressionAttributeValues).toMatchObject({ ':name': 'Renamed', ':version': 2, ':expected': 1 });
  });

  it('answers 409 concurrent_change after four cancelled writes, each planned afresh', async () => {
    const { trustId, sub } = arrange(['role-definer'], (t) => [[definer(t), role(t, 'role-narrow', NARROW)]]);
    ddb.on(TransactWriteCommand).rejects(conflict());
    const response = await rename(sub);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).code).toBe('concurrent_change');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(4);
    // The caller's trust, then the trust read again after each cancellation.
    expect(ddb.commandCalls(GetCommand, { Key: keys.trustMeta(trustId) })).toHaveLength(5);
  });
});
