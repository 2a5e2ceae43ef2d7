import { randomUUID } from 'node:crypto';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { listAudit } from '../../functions/adapters/dynamo/audit-repository';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { keys } from '../../functions/adapters/dynamo/keys';
import {
  getTrust,
  loadTree,
  NodeWriteConflictError,
  TreeVersionChangedError,
  writeTreeChange,
} from '../../functions/adapters/dynamo/trust-repository';
import { makeTrust, type TestTrust } from '../fixtures/trust';

let t: TestTrust;
beforeAll(async () => {
  t = await makeTrust();
});

const audit = (targetId: string) =>
  auditRecord({ id: randomUUID(), at: new Date().toISOString(), actorId: 'tester', action: 'node.created', targetType: 'node', targetId, nodeId: targetId });

describe('trust repository on DynamoDB Local', () => {
  it('loads a trust\'s tree with one Query and serves it from the container cache while the version holds', async () => {
    const trust = (await getTrust(t.trustId))!;
    const send = vi.spyOn(documentClient(), 'send');
    const first = await loadTree(trust);
    const second = await loadTree(trust);
    const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
    send.mockRestore();
    expect(first.nodes.size).toBe(7);
    expect(second).toBe(first);
    expect(queries).toHaveLength(1);
  });

  it('writes the node, bumps the tree version and writes the audit record in one transaction', async () => {
    const trust = (await getTrust(t.trustId))!;
    const node = { id: randomUUID(), kind: 'school' as const, name: 'Repo School', parentId: t.rootId, version: 1 };
    await writeTreeChange(trust, { type: 'put', node }, audit(node.id));
    const after = (await getTrust(t.trustId))!;
    expect(after.treeVersion).toBe(trust.treeVersion + 1);
    expect((await loadTree(after)).nodes.get(node.id)).toMatchObject({ name: 'Repo School' });
    const records = await listAudit(t.trustId, { targetId: node.id, limit: 10 });
    expect(records.items).toHaveLength(1);
  });

  it('refuses a write planned on an old tree version and leaves no audit record behind', async () => {
    const stale = (await getTrust(t.trustId))!;
    const first = { id: randomUUID(), kind: 'school' as const, name: 'First', parentId: t.rootId, version: 1 };
    await writeTreeChange(stale, { type: 'put', node: first }, audit(first.id));
    const second = { id: randomUUID(), kind: 'school' as const, name: 'Second', parentId: t.rootId, version: 1 };
    await expect(writeTreeChange(stale, { type: 'put', node: second }, audit(second.id))).rejects.toThrow(TreeVersionChangedError);
    expect((await listAudit(t.trustId, { targetId: second.id, limit: 10 })).items).toEqual([]);
  });

  it('refuses to delete a node that people still belong to (refCount)', async () => {
    const school = t.nodes['South School']!;
    await documentClient().send(
      new UpdateCommand({ TableName: tableName(), Key: keys.node(t.trustId, school.id), UpdateExpression: 'SET refCount = :one', ExpressionAttributeValues: { ':one': 1 } }),
    );
    const trust = (await getTrust(t.trustId))!;
    await expect(writeTreeChange(trust, { type: 'delete', node: school }, audit(school.id))).rejects.toThrow(NodeWriteConflictError);
    expect((await loadTree((await getTrust(t.trustId))!)).nodes.has(school.id)).toBe(true);
  });
});
