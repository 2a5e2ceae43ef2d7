import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * A role widened while it is being handed out. The assigner holds roles.assign
 * and users.view at North only; the widener defines roles at the trust and
 * holds reports.view there, but may assign roles only at South. Whichever
 * order the requests land in, nobody may end up holding, at North, a role
 * that carries reports.view: the assigner could not grant it and the widener
 * could not authorise it there.
 */
describe('role edits racing role assignments', () => {
  let trust: TestTrust;
  let assigner: { user: any; token: string };
  let widener: { user: any; token: string };
  let targets: any[];
  const node = (name: string) => trust.nodes[name]!.id;

  beforeAll(async () => {
    trust = await makeTrust();
    const role = async (body: Record<string, unknown>) => (await call('POST', '/roles', { token: trust.token, body })).body;
    const assigning = await role({ name: 'Assigner', permissions: ['roles.assign', 'users.view'] });
    const defining = await role({ name: 'Definer', permissions: ['roles.define', 'users.view', 'reports.view'] });
    [assigner, widener] = await Promise.all([
      actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: assigning.id, nodeId: node('North') }] }),
      actor(trust, {
        memberships: [{ nodeId: node('South') }],
        roles: [
          { roleId: defining.id, nodeId: trust.rootId },
          { roleId: assigning.id, nodeId: node('South') },
        ],
      }),
    ]);
    targets = await Promise.all(Array.from({ length: 12 }, () => createUser(trust.token, { memberships: [{ nodeId: node('North School') }] })));
  });

  it('never leaves anyone at North holding a widened role, whatever the interleaving', async () => {
    for (let round = 0; round < 6; round++) {
      const narrow = (await call('POST', '/roles', { token: trust.token, body: { name: `Narrow ${round}`, permissions: ['users.view'] } })).body;
      const widen = call('PATCH', `/roles/${narrow.id}`, {
        token: widener.token, body: { permissions: ['users.view', 'reports.view'] }, headers: { 'if-match': String(narrow.version) },
      });
      // The widening reads the holders first; the grants start a little later each round, so some land mid-widening.
      await new Promise((resolve) => setTimeout(resolve, round * 4));
      const assigns = targets.map((target) =>
        call('POST', `/users/${target.id}/roles`, { token: assigner.token, body: { roleId: narrow.id, nodeId: node('North School') } }),
      );
      const [widening, ...assigned] = await Promise.all([widen, ...assigns]);
      expect([200, 403, 409]).toContain(widening.status);
      for (const response of assigned) expect([201, 403, 409]).toContain(response.status);

      const stored = (await call('GET', '/roles', { token: trust.token })).body.items.find((r: any) => r.id === narrow.id);
      const holders = (await Promise.all(targets.map((t) => call('GET', `/users/${t.id}`, { token: trust.token }))))
        .flatMap((r) => r.body.roles as any[])
        .filter((a) => a.roleId === narrow.id);
      // Every 201 is a holder, and nothing else is.
      expect(holders).toHaveLength(assigned.filter((r) => r.status === 201).length);
      if (stored.permissions.includes('reports.view')) expect(holders).toEqual([]);
      else expect(widening.status).not.toBe(200);
    }
  });
});
