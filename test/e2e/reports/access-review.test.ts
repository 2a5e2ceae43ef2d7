import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { SUMMARY_DETAIL_MAX_ROLES } from '../../../domain/directory/summary';
import { documentClient, tableName } from '../../../functions/adapters/dynamo/client';
import { keys } from '../../../functions/adapters/dynamo/keys';
import { call, stack } from '../../fixtures/api';
import { profileItem } from '../../fixtures/identity';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * access-review's "who granted it and when" (issue 13): stamped on the
 * assignment in the grant's own transaction and copied into the directory
 * summary, so the report reads neither the person nor the audit trail; for an
 * assignment stored before stamps (not yet backfilled) it reads both, once.
 */
let trust: TestTrust;
/** Cluster Administrator of North: grants roles there and reads North's reports. */
let granter: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;
const records = (result: { columns: string[]; rows: unknown[][] }) => result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));

/** The access-review rows as JSON, from the stored file when the answer is a 303 (over the inline limit). */
async function review(token: string, query = ''): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${stack().url}/reports/access-review${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const text = await response.text();
  if (response.status === 303) return records(JSON.parse(await (await fetch((JSON.parse(text) as { url: string }).url)).text()));
  if (response.status !== 200) throw new Error(`GET /reports/access-review: ${response.status} ${text}`);
  return records(JSON.parse(text));
}

/** The person's role.assigned audit records as stored (gsi2, by target). */
async function grantRecords(userId: string): Promise<Record<string, any>[]> {
  const { Items } = await documentClient().send(new QueryCommand({
    TableName: tableName(), IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.auditByTarget(trust.trustId, userId) },
  }));
  return (Items ?? []).filter((item) => item.action === 'role.assigned');
}

/**
 * The person as stored before grant stamps (summary v2): the assignment item
 * without a stamp, the summary's roles in the short form; the profile's
 * change time moves so the directory cache reads it again.
 */
async function asBeforeStamps(userId: string, assignmentId: string): Promise<void> {
  await documentClient().send(new UpdateCommand({
    TableName: tableName(), Key: keys.assignment(trust.trustId, userId, assignmentId), UpdateExpression: 'REMOVE grantRecord, grantedBy, grantedAt',
  }));
  const profile = await profileItem(trust, userId);
  const short = (profile.directory.roles as any[]).map(({ roleId, nodeId, validUntil }) => ({ roleId, nodeId, ...(validUntil ? { validUntil } : {}) }));
  await documentClient().send(new UpdateCommand({
    TableName: tableName(), Key: keys.userProfile(trust.trustId, userId), UpdateExpression: 'SET directory.#roles = :short, gsi3sk = :now',
    ExpressionAttributeNames: { '#roles': 'roles' }, ExpressionAttributeValues: { ':short': short, ':now': new Date().toISOString() },
  }));
}

beforeAll(async () => {
  trust = await makeTrust();
  granter = await actor(trust, {
    firstName: 'Xavier', lastName: 'Granter', memberships: [{ nodeId: node('North') }],
    roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }],
  });
}, 60_000);

describe('access-review: who granted each role and when', () => {
  it('shows the granter and the time of the grant, from the stamp: the audit trail is not read', async () => {
    const person = await createUser(trust.token, { firstName: 'Pat', lastName: 'Granted', memberships: [{ nodeId: node('North School') }] });
    const granted = await call('POST', `/users/${person.id}/roles`, { token: granter.token, body: { roleId: presetIds.teacher, nodeId: node('North School') } });
    expect(granted.status).toBe(201);
    const [record] = (await grantRecords(person.id)).filter((r) => r.after.id === granted.body.id);
    expect(record).toBeDefined();

    const row = (rows: Record<string, unknown>[]) => rows.find((r) => r.userId === person.id && r.roleId === presetIds.teacher);
    const expected = { grantedById: granter.user.id, grantedBy: 'Xavier Granter', grantedAt: record!.at, grantRecord: 'recorded', node: 'North School' };
    expect(row(await review(trust.token))).toMatchObject(expected);
    // The cluster admin who granted it reads the same row in their cluster's report.
    expect(row(await review(granter.token))).toMatchObject(expected);

    // The stamp is the assignment's own: with the audit record gone the report still knows (it never searched the trail).
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: { pk: record!.pk, sk: record!.sk } }));
    expect(row(await review(trust.token))).toMatchObject(expected);
    const assignment = (await documentClient().send(new QueryCommand({
      TableName: tableName(), KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': keys.assignment(trust.trustId, person.id, granted.body.id).pk, ':sk': keys.assignment(trust.trustId, person.id, granted.body.id).sk },
    }))).Items![0]!;
    expect(assignment).toMatchObject({ grantRecord: 'recorded', grantedBy: granter.user.id, grantedAt: record!.at });
    // Another change to the person (a membership) keeps the stamp in the summary.
    const placed = await call('PUT', `/users/${person.id}/memberships/${node('North Sub')}`, { token: trust.token, body: {} });
    expect(placed.status).toBe(200);
    expect(row(await review(trust.token))).toMatchObject(expected);
  });

  it('says who granted a role at creation: the creator, with the creation time', async () => {
    const person = await createUser(trust.token, { firstName: 'Cora', lastName: 'Created', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] });
    const [record] = await grantRecords(person.id);
    const row = (await review(trust.token)).find((r) => r.userId === person.id);
    expect(row).toMatchObject({ grantedById: trust.adminId, grantedBy: 'Test Admin', grantedAt: record!.at, grantRecord: 'recorded' });
    // Never to a North reader, granter or not.
    expect(JSON.stringify(await review(granter.token))).not.toContain(person.id);
  });

  it('finds the granter of a role stored before stamps in the audit trail, and says missing when the trail has no record, inventing nobody', async () => {
    const [kept, lost] = await Promise.all([
      createUser(trust.token, { firstName: 'Olive', lastName: 'Oldstyle', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
      createUser(trust.token, { firstName: 'Lou', lastName: 'Lostrecord', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
    ]);
    const [keptRecord] = await grantRecords(kept.id);
    const [lostRecord] = await grantRecords(lost.id);
    await asBeforeStamps(kept.id, kept.roles[0].id);
    await asBeforeStamps(lost.id, lost.roles[0].id);
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: { pk: lostRecord!.pk, sk: lostRecord!.sk } }));

    // The trust admin sees their own name; the cluster admin, who cannot see the trust admin, their id (as GET /audit shows actors).
    for (const [token, name] of [[trust.token, 'Test Admin'], [granter.token, trust.adminId]] as const) {
      const rows = await review(token, `nodeId=${node('North School')}`);
      expect(rows.find((r) => r.userId === kept.id)).toMatchObject({ grantedById: trust.adminId, grantedBy: name, grantedAt: keptRecord!.at, grantRecord: 'backfilled' });
      expect(rows.find((r) => r.userId === lost.id)).toMatchObject({ grantedById: null, grantedBy: null, grantedAt: null, grantRecord: 'missing' });
    }
  });

  it('reviews a person holding more roles than the summary describes in full from their own items, stamps and all', async () => {
    const person = await createUser(trust.token, { firstName: 'Manny', lastName: 'Hats', memberships: [{ nodeId: node('North School') }] });
    const count = SUMMARY_DETAIL_MAX_ROLES + 1;
    for (let i = 0; i < count; i++) {
      const until = new Date(Date.UTC(2030, 0, 1 + i)).toISOString();
      const granted = await call('POST', `/users/${person.id}/roles`, { token: granter.token, body: { roleId: presetIds.teacher, nodeId: node('North School'), validUntil: until } });
      expect(granted.status).toBe(201);
    }
    // The profile keeps the short form for every role (bounded per role as before v3)...
    const roles = (await profileItem(trust, person.id)).directory.roles as Record<string, unknown>[];
    expect(roles).toHaveLength(count);
    expect(roles.every((r) => r.id === undefined && r.grantRecord === undefined)).toBe(true);
    // ...and the review still says who granted each one and when.
    for (const token of [trust.token, granter.token]) {
      const rows = (await review(token, `nodeId=${node('North School')}`)).filter((r) => r.userId === person.id);
      expect(rows).toHaveLength(count);
      expect(rows.every((r) => r.grantedById === granter.user.id && r.grantedBy === 'Xavier Granter' && r.grantRecord === 'recorded' && typeof r.grantedAt === 'string')).toBe(true);
    }
  }, 120_000);

  it('hands a large whole-trust review out as a link, JSON and CSV alike, with every row', async () => {
    // The test stack's EXPORT_INLINE_MAX_BYTES is 4 KB.
    await Promise.all(Array.from({ length: 12 }, (_, i) => createUser(trust.token, {
      firstName: `Many${i}`, lastName: 'Roles', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }],
    })));
    const inline = await review(trust.token);
    for (const format of ['json', 'csv']) {
      const response = await fetch(`${stack().url}/reports/access-review?format=${format}`, { headers: { authorization: `Bearer ${trust.token}` }, redirect: 'manual' });
      expect(response.status, format).toBe(303);
      const body = (await response.json()) as { url: string; rows: number; bytes: number };
      expect(body.rows).toBe(inline.length);
      const text = await (await fetch(body.url)).text();
      const rows = format === 'json'
        ? records(JSON.parse(text))
        : (parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[]);
      expect(rows).toHaveLength(inline.length);
      expect(rows.filter((r) => r.lastName === 'Roles' && r.grantedById === trust.adminId && r.grantRecord === 'recorded')).toHaveLength(12);
    }
  });
});
