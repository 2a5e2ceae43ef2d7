import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { MAX_SCHEDULES_PER_TRUST } from '../../../domain/reports/schedule';
import { documentClient, tableName } from '../../../functions/adapters/dynamo/client';
import { keys } from '../../../functions/adapters/dynamo/keys';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let admin: string;
let northHead: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;
const weekly = (nodeId: string, recipientIds: string[]) => ({ report: 'users', params: { nodeId }, cadence: 'weekly', dayOfWeek: 1, hour: 7, recipientIds });

/**
 * Test-only staging: schedules stored straight into the trust's partition (as
 * POST stores them, but without the job's index entry, so no hourly run of
 * another test sends them), to reach the cap without 500 requests.
 */
async function stageSchedules(count: number, ownerId: string, nodeId: string): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const at = new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString();
    return {
      ...keys.reportSchedule(trust.trustId, id), entity: 'report-schedule', id, trustId: trust.trustId, ownerId, report: 'users', params: { nodeId }, nodeId,
      cadence: 'weekly', dayOfWeek: 1, hour: 7, recipientIds: [ownerId], version: 1, createdAt: at, updatedAt: at,
    };
  });
  for (let i = 0; i < items.length; i += 25) {
    await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

async function listAll(token: string, limit: number): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await call('GET', `/report-schedules?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((s: any) => s.id));
    pages.push(page.body.items.length);
    cursor = page.body.nextCursor;
  } while (cursor);
  return { ids, pages };
}

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  northHead = await actor({ ...trust, token: admin }, { firstName: 'Nora', lastName: 'North', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] });
}, 60_000);

describe('/report-schedules at scale (review C, 6)', () => {
  it('caps a trust\'s schedules (409 schedule_limit naming the limit), pages the list with ?limit= and nextCursor, each caller still cut to their reach', async () => {
    const own = await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('North School'), [northHead.user.id]) });
    expect(own.status).toBe(201);
    await stageSchedules(MAX_SCHEDULES_PER_TRUST - 1, trust.adminId, trust.rootId);

    const refused = await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('North School'), [northHead.user.id]) });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('schedule_limit');
    expect(refused.body.title).toContain(String(MAX_SCHEDULES_PER_TRUST));

    // The admin manages them all: every one exactly once, in pages of at most the limit, oldest first.
    const all = await listAll(admin, 200);
    expect(all.pages).toEqual([200, 200, 100]);
    expect(new Set(all.ids).size).toBe(MAX_SCHEDULES_PER_TRUST);
    expect(all.ids[0]).toBe(own.body.id); // made now; the staged ones in 2030
    const first = await call('GET', '/report-schedules', { token: admin });
    expect(first.body.items).toHaveLength(50);
    // The head teacher sees only their own, whatever the page size.
    expect(await listAll(northHead.token, 1)).toEqual({ ids: [own.body.id], pages: [1] });
    expect((await call('GET', '/report-schedules?cursor=not-one-of-ours', { token: admin })).status).toBe(400);
    expect((await call('GET', '/report-schedules?limit=201', { token: admin })).status).toBe(400);

    // Below the cap again, a schedule may be made.
    expect((await call('DELETE', `/report-schedules/${own.body.id}`, { token: northHead.token })).status).toBe(204);
    expect((await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('North School'), [northHead.user.id]) })).status).toBe(201);
  });
});
