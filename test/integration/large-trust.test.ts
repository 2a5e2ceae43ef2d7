import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TreeSeed } from '../../domain/org/new-trust';
import { documentClient, queryAll } from '../../functions/adapters/dynamo/client';
import { keys } from '../../functions/adapters/dynamo/keys';
import { getTrust, loadTrustContext } from '../../functions/adapters/dynamo/trust-repository';
import { MAX_TRANSACTION_ITEMS } from '../../functions/adapters/dynamo/transaction';
import { createTrust } from '../../functions/trusts/create-trust';
import { call, login } from '../fixtures/api';
import { TEST_PASSWORD } from '../fixtures/trust';

/** 20 clusters of 99 schools, plus the root and the clusters: 2,001 nodes. */
const seed: TreeSeed[] = Array.from({ length: 20 }, (_, c) => [
  { kind: 'cluster' as const, name: `Cluster ${c}` },
  ...Array.from({ length: 99 }, (_, s) => ({ kind: 'school' as const, name: `Cluster ${c} School ${s}`, parent: `Cluster ${c}` })),
]).flat();

describe('a trust larger than one Query page and one transaction', () => {
  let trustId: string;
  let token: string;
  let transactions: number[];

  beforeAll(async () => {
    const send = vi.spyOn(documentClient(), 'send');
    const email = `big-${crypto.randomUUID()}@test.example`;
    const plan = await createTrust({ name: 'Big Trust', adminEmail: email, adminFirstName: 'Big', adminLastName: 'Admin', adminPassword: TEST_PASSWORD, tree: seed });
    transactions = send.mock.calls.filter(([c]) => c instanceof TransactWriteCommand).map(([c]) => (c as TransactWriteCommand).input.TransactItems!.length);
    send.mockRestore();
    trustId = plan.trust.id;
    token = (await login(email, TEST_PASSWORD)).accessToken;
    // 200 custom roles, through the API (one at a time: each bumps the trust's version).
    for (let i = 0; i < 200; i++) {
      const created = await call('POST', '/roles', { token, body: { name: `Custom role ${i}`, permissions: ['users.view', 'classes.view'] } });
      expect(created.status).toBe(201);
    }
  }, 240_000);

  it('creates a 2,001-node seed in transactions of at most 100 items', () => {
    expect(transactions.length).toBeGreaterThan(20);
    expect(Math.max(...transactions)).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
  });

  it('loads the whole tree and every custom role, following every Query page', async () => {
    const trust = (await getTrust(trustId))!;
    const send = vi.spyOn(documentClient(), 'send');
    const context = await loadTrustContext(trust);
    const pages = send.mock.calls.filter(([c]) => c instanceof QueryCommand).length;
    send.mockRestore();
    expect(context.tree.nodes.size).toBe(2001);
    expect([...context.roles.values()].filter((r) => !r.builtIn)).toHaveLength(200);
    expect(pages).toBeGreaterThanOrEqual(1);
    // The same partition read 250 items a page takes several pages and loses none.
    const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.treePartition(trustId) }, Limit: 250 });
    expect(items.filter((i) => String(i.sk).startsWith('NODE#'))).toHaveLength(2001);
    expect(items.filter((i) => String(i.sk).startsWith('ROLE#'))).toHaveLength(200);
  });

  it('serves the whole tree over HTTP', async () => {
    const response = await call('GET', '/nodes', { token });
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(2001);
  });

  it("pages a trust admin's access report (2,001 nodes × every code) in answers far below Lambda's 6 MB", async () => {
    const me = (await call('GET', '/me', { token })).body;
    const seen: string[] = [];
    let largest = 0;
    let cursor: string | null = null;
    do {
      const response: { status: number; body: any } = await call('GET', `/users/${me.id}/access?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(response.status).toBe(200);
      largest = Math.max(largest, JSON.stringify(response.body).length);
      expect(response.body.assignments).toEqual([expect.objectContaining({ nodeId: me.trust.rootNodeId, nodeCount: 2001 })]);
      seen.push(...response.body.nodes.map((n: { nodeId: string }) => n.nodeId));
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(2001);
    expect(new Set(seen).size).toBe(2001);
    expect(largest).toBeLessThan(2 * 1024 * 1024);
    const one = await call('GET', `/users/${me.id}/access?nodeId=${seen[1500]}&permission=users.view`, { token });
    expect(one.body.nodes).toEqual([{ nodeId: seen[1500], permissions: [expect.objectContaining({ code: 'users.view' })], withheldForMfa: [] }]);
    expect(one.body.nextCursor).toBeNull();
  });
});
