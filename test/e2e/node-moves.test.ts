import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { actor } from '../fixtures/people';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * Moving a node is a grant: the holders at the nodes it moves under gain reach
 * over it. The attacker is a Cluster Administrator of North who also
 * administers South (org.manage at both ends), moving a school under a cluster
 * where someone holds a role the attacker could not hand out.
 */
describe('PATCH /nodes/{id} moving a node is a grant', () => {
  let trust: TestTrust;
  let mover: { user: any; token: string };
  const node = (name: string) => trust.nodes[name]!.id;
  const version = async (id: string) => (await call('GET', '/nodes', { token: trust.token })).body.items.find((n: any) => n.id === id);
  const move = (token: string, id: string, parentId: string, ifMatch: number) =>
    call('PATCH', `/nodes/${id}`, { token, body: { parentId }, headers: { 'if-match': String(ifMatch) } });

  beforeAll(async () => {
    trust = await makeTrust();
    const helper = (await call('POST', '/roles', { token: trust.token, body: { name: 'Helper', permissions: ['users.view'] } })).body;
    [mover] = await Promise.all([
      actor(trust, {
        memberships: [{ nodeId: node('North') }],
        roles: [
          { roleId: presetIds.clusterAdministrator, nodeId: node('North') },
          { roleId: presetIds.clusterAdministrator, nodeId: node('South') },
        ],
      }),
      // At South: a Curriculum Administrator, whose curricula.manage a Cluster Administrator neither holds nor may assign.
      actor(trust, { memberships: [{ nodeId: node('South') }], roles: [{ roleId: presetIds.curriculumAdministrator, nodeId: node('South') }] }),
      // At North Sub: only a role the mover could hand out itself.
      actor(trust, { memberships: [{ nodeId: node('North Sub') }], roles: [{ roleId: helper.id, nodeId: node('North Sub') }] }),
    ]);
  });

  it('refuses the cluster admin moving its school under a cluster whose holders hold a role it could not grant (403 escalation), and leaves the tree alone', async () => {
    const school = await version(node('North School'));
    const attack = await move(mover.token, school.id, node('South'), school.version);
    expect(attack.status).toBe(403);
    expect(attack.body.code).toBe('escalation');
    expect(await version(school.id)).toMatchObject({ parentId: node('North'), version: school.version });
  });

  it('lets the same cluster admin move a school where the holders gained hold only what it could grant', async () => {
    const school = await version(node('North School'));
    const moved = await move(mover.token, school.id, node('North Sub'), school.version);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ parentId: node('North Sub') });
    const back = await move(mover.token, school.id, node('North'), moved.body.version);
    expect(back.status).toBe(200);
  });

  it('refuses a mover without org.manage at the current parent, even with it at the node and the destination (403)', async () => {
    const subAdmin = await actor(trust, {
      memberships: [{ nodeId: node('Sub School') }],
      roles: [
        { roleId: presetIds.clusterAdministrator, nodeId: node('North Sub') },
        { roleId: presetIds.clusterAdministrator, nodeId: node('South') },
      ],
    });
    const northSub = await version(node('North Sub'));
    // North Sub sits under North, where this admin has no org.manage; it would be lifting a cluster out of someone else's.
    const attack = await move(subAdmin.token, northSub.id, node('South'), northSub.version);
    expect(attack.status).toBe(403);
    expect(attack.body.code).toBe('forbidden');
  });

  it('lets a trust admin make the move the cluster admin could not', async () => {
    const school = await version(node('North School'));
    const moved = await move(trust.token, school.id, node('South'), school.version);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ parentId: node('South') });
  });
});
