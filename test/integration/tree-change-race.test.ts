import { describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { callerOf, type Caller } from '../../functions/http/caller';
import { createNode } from '../../functions/nodes/create-node';
import { deleteNode } from '../../functions/nodes/delete-node';
import { updateNode } from '../../functions/nodes/update-node';
import { call } from '../fixtures/api';
import { actor } from '../fixtures/people';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * A tree change racing another (review I, I6): a Cluster Admin of North
 * starts a change while the Trust Admin moves the node (or the sub-cluster
 * above it) out of North. The change's first write meets the new tree version
 * and is planned again on the new tree; that plan must judge the caller on
 * the new tree too, where they no longer manage the node, not on the tree of
 * the request's start. Driven step by step on DynamoDB Local: the caller is
 * read first (with the tree as it is then, as a request's would be), the
 * other change lands, then the change runs, so its first plan always meets
 * the old tree and its write the new version.
 */
async function northAdmin(): Promise<{ trust: TestTrust; callerNow: () => Promise<Caller> }> {
  const trust = await makeTrust();
  const north = trust.nodes.North!.id;
  const admin = await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] });
  return { trust, callerNow: () => callerOf(trust.trustId, admin.user.id) };
}

const nodesOf = async (trust: TestTrust) =>
  (await call('GET', '/nodes', { token: trust.token })).body.items as { id: string; name: string; parentId: string | null; version: number }[];
const move = async (trust: TestTrust, nodeId: string, parentId: string) => {
  const node = (await nodesOf(trust)).find((n) => n.id === nodeId)!;
  const moved = await call('PATCH', `/nodes/${nodeId}`, { token: trust.token, body: { parentId }, headers: { 'if-match': String(node.version) } });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
};

describe('a tree change planned again after a conflict', () => {
  it("DELETE: a school whose sub-cluster moved out of the caller's cluster meanwhile is not deleted (403), though the request began when they managed it", async () => {
    const { trust, callerNow } = await northAdmin();
    const caller = await callerNow();
    const school = trust.nodes['Sub School']!;
    // Its parent stays North Sub: only the sub-cluster above it leaves North.
    await move(trust, trust.nodes['North Sub']!.id, trust.nodes.South!.id);

    await expect(deleteNode(caller, school.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await nodesOf(trust)).find((n) => n.id === school.id)).toMatchObject({ parentId: trust.nodes['North Sub']!.id });
  });

  it("PATCH: a school whose sub-cluster moved out of the caller's cluster meanwhile is not renamed (403)", async () => {
    const { trust, callerNow } = await northAdmin();
    const caller = await callerNow();
    const school = trust.nodes['Sub School']!;
    await move(trust, trust.nodes['North Sub']!.id, trust.nodes.South!.id);
    // The school's own version did not change: only the authority over it did.
    expect((await nodesOf(trust)).find((n) => n.id === school.id)!.version).toBe(school.version);

    await expect(updateNode(caller, school.id, { name: 'Renamed' }, school.version)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await nodesOf(trust)).find((n) => n.id === school.id)!.name).toBe('Sub School');
  });

  it("POST: no school is created under a sub-cluster moved out of the caller's cluster meanwhile (403)", async () => {
    const { trust, callerNow } = await northAdmin();
    const caller = await callerNow();
    await move(trust, trust.nodes['North Sub']!.id, trust.nodes.South!.id);

    await expect(createNode(caller, { kind: 'school', name: 'Sneaked School', parentId: trust.nodes['North Sub']!.id })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await nodesOf(trust)).some((n) => n.name === 'Sneaked School')).toBe(false);
  });

  it('still lands when the tree changed elsewhere and the caller still manages the node', async () => {
    const { trust, callerNow } = await northAdmin();
    const caller = await callerNow();
    const school = trust.nodes['North School']!;
    // Another change bumps the tree's version: the caller's first plan meets a conflict, the second one passes.
    expect((await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Elsewhere', parentId: trust.nodes.South!.id } })).status).toBe(201);
    expect(await updateNode(caller, school.id, { name: 'North School Renamed' }, school.version)).toMatchObject({ id: school.id, name: 'North School Renamed' });
    await expect(deleteNode(caller, school.id)).resolves.toBeUndefined();
    expect((await nodesOf(trust)).some((n) => n.id === school.id)).toBe(false);
  });
});
