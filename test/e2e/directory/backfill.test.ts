import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { documentClient, tableName } from '../../../functions/adapters/dynamo/client';
import { keys } from '../../../functions/adapters/dynamo/keys';
import { backfillDirectory } from '../../../infra/scripts/directory-backfill';
import { call } from '../../fixtures/api';
import { profileItem } from '../../fixtures/identity';
import { createUser } from '../../fixtures/people';
import { makeTrust } from '../../fixtures/trust';

it('the backfill gives people stored before the directory their summary, and running it again writes nothing', async () => {
  const trust = await makeTrust();
  const node = (name: string) => trust.nodes[name]!.id;
  const people = await Promise.all([
    createUser(trust.token, { firstName: 'Olda', lastName: 'Timer', memberships: [{ nodeId: node('North School'), jobTitle: 'Bursar' }], roles: [{ roleId: presetIds.staff, nodeId: node('North School') }] }),
    createUser(trust.token, { firstName: 'Oldb', lastName: 'Timer', memberships: [{ nodeId: node('South School') }] }),
  ]);
  // As they were stored before the directory existed: no summary, not in gsi3.
  for (const person of people) {
    await documentClient().send(new UpdateCommand({ TableName: tableName(), Key: keys.userProfile(trust.trustId, person.id), UpdateExpression: 'REMOVE directory, gsi3pk, gsi3sk' }));
  }
  const before = await call('GET', '/users?q=timer', { token: trust.token });
  expect(before.body.total).toBe(0);

  const first = await backfillDirectory();
  expect(first.written).toBeGreaterThanOrEqual(2);
  const after = await call('GET', '/users?q=timer&sort=firstName', { token: trust.token });
  expect(after.body.total).toBe(2);
  expect(after.body.items[0]).toMatchObject({
    id: people[0].id, primaryNodeId: node('North School'), jobTitle: 'Bursar', nodeIds: [node('North School')],
    roles: [{ roleId: presetIds.staff, nodeId: node('North School') }], version: people[0].version,
  });
  expect(after.body.items[1]).toMatchObject({ id: people[1].id, nodeIds: [node('South School')], roles: [] });

  const stamped = await Promise.all(people.map((p) => profileItem(trust, p.id)));
  await backfillDirectory();
  const again = await Promise.all(people.map((p) => profileItem(trust, p.id)));
  expect(again.map((item) => item.gsi3sk)).toEqual(stamped.map((item) => item.gsi3sk));
  // The version never moved: a backfill is not an edit.
  expect(again.map((item) => item.version)).toEqual(people.map((p) => p.version));
});

it('the v3 backfill stamps each role stored before grant stamps with its granter from the audit trail, or as missing, once', async () => {
  const trust = await makeTrust();
  const school = trust.nodes['North School']!.id;
  const [kept, lost] = await Promise.all(
    ['Keptgrant', 'Lostgrant'].map((lastName) => createUser(trust.token, { firstName: 'Pre', lastName, memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] })),
  );
  const trail = async (userId: string) => {
    const { Items } = await documentClient().send(new QueryCommand({
      TableName: tableName(), IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': keys.auditByTarget(trust.trustId, userId) },
    }));
    return (Items ?? []).filter((item) => item.action === 'role.assigned');
  };
  const [keptRecord] = await trail(kept.id);
  const [lostRecord] = await trail(lost.id);
  // As stored before stamps: no stamp on the assignment, the summary's short roles (v2); and one grant's audit record gone.
  for (const person of [kept, lost]) {
    await documentClient().send(new UpdateCommand({ TableName: tableName(), Key: keys.assignment(trust.trustId, person.id, person.roles[0].id), UpdateExpression: 'REMOVE grantRecord, grantedBy, grantedAt' }));
    await documentClient().send(new UpdateCommand({
      TableName: tableName(), Key: keys.userProfile(trust.trustId, person.id), UpdateExpression: 'SET directory.#roles = :short, gsi3sk = :now',
      ExpressionAttributeNames: { '#roles': 'roles' }, ExpressionAttributeValues: { ':short': [{ roleId: presetIds.teacher, nodeId: school }], ':now': new Date().toISOString() },
    }));
  }
  await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: { pk: lostRecord!.pk, sk: lostRecord!.sk } }));

  const first = await backfillDirectory();
  expect(first.backfilled).toBeGreaterThanOrEqual(1);
  expect(first.missing).toBeGreaterThanOrEqual(1);
  const assignment = async (person: any) => (await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.assignment(trust.trustId, person.id, person.roles[0].id), ConsistentRead: true }))).Item!;
  expect(await assignment(kept)).toMatchObject({ grantRecord: 'backfilled', grantedBy: trust.adminId, grantedAt: keptRecord!.at });
  const lostItem = await assignment(lost);
  expect(lostItem.grantRecord).toBe('missing');
  expect(lostItem.grantedBy).toBeUndefined();
  expect((await profileItem(trust, kept.id)).directory.roles).toEqual([
    { id: kept.roles[0].id, roleId: presetIds.teacher, nodeId: school, grantRecord: 'backfilled', grantedBy: trust.adminId, grantedAt: keptRecord!.at },
  ]);

  const review = await call('GET', `/reports/access-review?nodeId=${school}`, { token: trust.token });
  const rows = review.body.rows.map((row: unknown[]) => Object.fromEntries(review.body.columns.map((c: string, i: number) => [c, row[i]])));
  expect(rows.find((r: any) => r.userId === kept.id)).toMatchObject({ grantedById: trust.adminId, grantedBy: 'Test Admin', grantedAt: keptRecord!.at, grantRecord: 'backfilled' });
  expect(rows.find((r: any) => r.userId === lost.id)).toMatchObject({ grantedById: null, grantedBy: null, grantedAt: null, grantRecord: 'missing' });

  // Once: a second run finds every stamp and summary right and writes neither.
  const stamped = await Promise.all([kept, lost].map((p) => profileItem(trust, p.id)));
  await backfillDirectory();
  expect((await Promise.all([kept, lost].map((p) => profileItem(trust, p.id)))).map((item) => item.gsi3sk)).toEqual(stamped.map((item) => item.gsi3sk));
  expect(await assignment(lost)).toEqual(lostItem);
});
