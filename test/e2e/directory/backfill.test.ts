import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
