import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamo/client';
import { listNodeManagers, listNodeMembers } from '../../functions/adapters/dynamo/person-repository';
import { call } from '../fixtures/api';
import { createUser } from '../fixtures/people';
import { makeTrust } from '../fixtures/trust';

describe('managers of a node on DynamoDB Local', () => {
  it('reads only the managers, in appointment order, however many other people are placed there', async () => {
    const t = await makeTrust([{ kind: 'school', name: 'Acorns', label: 'Nursery' }]);
    const acorns = t.nodes.Acorns!.id;
    const jane = await createUser(t.token, { firstName: 'Jane', lastName: 'Smith', memberships: [{ nodeId: acorns, jobTitle: 'Practitioner' }] });
    await Promise.all(Array.from({ length: 25 }, (_, i) => createUser(t.token, { lastName: `Staff${i}`, memberships: [{ nodeId: acorns }] })));
    await createUser(t.token, { firstName: 'John', lastName: 'Doe', memberships: [{ nodeId: acorns, jobTitle: 'Deputy Manager', isManager: true }] });
    // Jane becomes a manager later, but was placed first: she still comes first.
    expect((await call('PUT', `/users/${jane.id}/memberships/${acorns}`, { token: t.token, body: { isManager: true, jobTitle: 'Nursery Manager' } })).status).toBe(200);

    const send = vi.spyOn(documentClient(), 'send');
    const managers = await listNodeManagers(t.trustId, acorns);
    const outputs = await Promise.all(send.mock.results.map((r) => r.value as Promise<{ Items?: unknown[] }>));
    const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
    send.mockRestore();

    expect(managers.map((m) => m.jobTitle)).toEqual(['Nursery Manager', 'Deputy Manager']);
    expect(queries).toHaveLength(1);
    expect(outputs.reduce((n, o) => n + (o.Items?.length ?? 0), 0)).toBe(2);
    expect(await listNodeMembers(t.trustId, acorns)).toHaveLength(27);
  });

  it('drops a person from the managers when the flag is taken away', async () => {
    const t = await makeTrust([{ kind: 'school', name: 'Oaks' }]);
    const oaks = t.nodes.Oaks!.id;
    const head = await createUser(t.token, { memberships: [{ nodeId: oaks, jobTitle: 'Head', isManager: true }] });
    expect(await listNodeManagers(t.trustId, oaks)).toHaveLength(1);
    expect((await call('PUT', `/users/${head.id}/memberships/${oaks}`, { token: t.token, body: { isManager: false } })).status).toBe(200);
    expect(await listNodeManagers(t.trustId, oaks)).toEqual([]);
    expect(await listNodeMembers(t.trustId, oaks)).toHaveLength(1);
  });
});
