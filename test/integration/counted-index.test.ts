import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { ConflictError } from '../../domain/errors';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { keyHash, tallyOf } from '../../functions/adapters/dynamo/counted-index';
import { keys } from '../../functions/adapters/dynamo/keys';
import { assignmentItem } from '../../functions/adapters/dynamo/person-writes';
import { listNodeAssignments } from '../../functions/adapters/dynamo/person-repository';
import { backfillChecksums } from '../../infra/scripts/checksum-backfill';
import { createUser } from '../fixtures/people';
import { makeTrust, type TestTrust } from '../fixtures/trust';

let t: TestTrust;
beforeAll(async () => {
  t = await makeTrust();
});

const nodeItem = async (nodeId: string) => (await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.node(t.trustId, nodeId), ConsistentRead: true }))).Item!;
const indexed = async (nodeId: string) =>
  (await documentClient().send(new QueryCommand({ TableName: tableName(), IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.nodeIndex(t.trustId, nodeId) } }))).Items ?? [];

describe('holder checksums on DynamoDB Local', () => {
  it('every person write keeps a node\'s checksum equal to the sum over the items the index holds', async () => {
    const school = t.nodes['North School']!.id;
    const user = await createUser(t.token, { memberships: [{ nodeId: school, primary: true }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const stored = await nodeItem(school);
    expect(stored).toMatchObject({ refCount: 2, checksummed: true });
    expect(stored.refSum).toBe(tallyOf(await indexed(school)).sum);
    const { assignments, seen } = await listNodeAssignments(t.trustId, school);
    expect(seen).toEqual({ count: 2, sum: stored.refSum });
    expect(assignments).toEqual([expect.objectContaining({ personId: user.id, roleId: presetIds.teacher, nodeId: school })]);
    // The trust's root starts with its admin's Trust Admin assignment counted and checksummed.
    const root = await nodeItem(t.rootId);
    expect(root).toMatchObject({ refCount: 1, checksummed: true, refSum: tallyOf(await indexed(t.rootId)).sum });
  });

  it('refuses an index that lists a removed holder instead of a new one, though the count matches, and accepts it once caught up', async () => {
    const school = t.nodes['South School']!.id;
    const [gone, fresh] = [randomUUID(), randomUUID()];
    const goneRole = { id: randomUUID(), roleId: presetIds.trustAdmin, nodeId: school };
    const freshRole = { id: randomUUID(), roleId: presetIds.trustAdmin, nodeId: school };
    // The lagging index: it still lists `gone`'s assignment (removed, counter −1 −h) ...
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: assignmentItem(t.trustId, gone, goneRole) }));
    // ... and not yet `fresh`'s, which the counter already counts (+1 +h).
    const freshKey = keys.assignment(t.trustId, fresh, freshRole.id);
    await documentClient().send(new UpdateCommand({
      TableName: tableName(), Key: keys.node(t.trustId, school),
      UpdateExpression: 'ADD refCount :one, refSum :h', ExpressionAttributeValues: { ':one': 1, ':h': keyHash(freshKey) },
    }));
    expect((await nodeItem(school)).refCount).toBe((await indexed(school)).length);
    const refused = await listNodeAssignments(t.trustId, school).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).code).toBe('concurrent_change');
    // The index catches up: the new holder is seen, the removed one gone.
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: keys.assignment(t.trustId, gone, goneRole.id) }));
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: assignmentItem(t.trustId, fresh, freshRole) }));
    const { assignments } = await listNodeAssignments(t.trustId, school);
    expect(assignments.map((a) => a.personId)).toEqual([fresh]);
  });

  it('refuses a counter from before the sums until the backfill completes it, which is then exact', async () => {
    const school = t.nodes['Sub School']!.id;
    await createUser(t.token, { memberships: [{ nodeId: school, primary: true }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const complete = await nodeItem(school);
    // As stored before this change: a count, no mark, and a partial sum from one write since.
    await documentClient().send(new UpdateCommand({ TableName: tableName(), Key: keys.node(t.trustId, school), UpdateExpression: 'SET refSum = :partial REMOVE checksummed', ExpressionAttributeValues: { ':partial': 12345 } }));
    const refused = await listNodeAssignments(t.trustId, school).catch((error: unknown) => error);
    expect((refused as ConflictError).code).toBe('concurrent_change');
    const result = await backfillChecksums();
    expect(result.left).toBe(0);
    expect(result.written).toBeGreaterThanOrEqual(1);
    expect(await nodeItem(school)).toMatchObject({ refCount: 2, refSum: complete.refSum, checksummed: true });
    expect((await listNodeAssignments(t.trustId, school)).seen).toEqual({ count: 2, sum: complete.refSum });
    // Run again: nothing left to do.
    expect(await backfillChecksums()).toMatchObject({ written: 0, left: 0 });
  });
});
