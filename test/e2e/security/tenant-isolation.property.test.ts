import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { routes } from '../../../functions/routes';
import { call } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * Tenant isolation as a property over HTTP: trust A's most powerful people
 * (its Trust Admin, and a Cluster Administrator) send random requests to every
 * signed-in route of the route table, with path parameters and body ids taken
 * from trust B (its people, nodes, roles, role assignments, pupils) or from
 * their own trust. No answer ever carries anything of B that the request did
 * not itself send, and afterwards B reads exactly as before: same people, tree,
 * roles and audit trail.
 */
describe('property: trust A never reads or changes anything of trust B', () => {
  let a: TestTrust;
  let b: TestTrust;
  let aCallers: { name: string; token: string }[];
  let bIds: Record<'user' | 'node' | 'role' | 'assignment' | 'subject', string[]>;
  let aIds: Record<'user' | 'node', string[]>;
  /** Values of B that must never appear in an answer to A unless A sent them. */
  let bSecrets: string[];

  async function snapshotOfB() {
    const get = async (path: string) => {
      const response = await call('GET', path, { token: b.token });
      expect(response.status, path).toBe(200);
      return response.body;
    };
    return {
      nodes: await get('/nodes'),
      roles: await get('/roles'),
      users: await Promise.all(bIds.user.map((id) => get(`/users/${id}`))),
      blocks: await Promise.all(bIds.user.map((id) => get(`/users/${id}/blocks`))),
      audit: await get('/audit?limit=200'),
    };
  }

  beforeAll(async () => {
    [a, b] = await Promise.all([makeTrust(), makeTrust()]);
    const marker = randomUUID().slice(0, 8);
    const role = await call('POST', '/roles', { token: b.token, body: { name: `B Secret Role ${marker}`, permissions: ['users.view'] } });
    expect(role.status).toBe(201);
    const bSchool = b.nodes['North School']!.id;
    const bStaff = await createUser(b.token, {
      firstName: `Bsecret${marker}`, lastName: 'Staff', memberships: [{ nodeId: bSchool, primary: true }],
      roles: [{ roleId: presetIds.teacher, nodeId: bSchool }, { roleId: role.body.id, nodeId: bSchool }],
    });
    const bParent = await createUser(b.token, { firstName: `Bparent${marker}`, userType: 'parent', memberships: [{ nodeId: bSchool, primary: true }] });
    const pupil = `pupil-${marker}`;
    expect((await call('PUT', `/users/${bStaff.id}/blocks/${pupil}`, { token: b.token, body: { schoolId: bSchool, reason: `B secret reason ${marker}` } })).status).toBe(200);
    expect((await call('PUT', `/users/${bParent.id}/children/${pupil}`, { token: b.token, body: { schoolId: bSchool } })).status).toBe(200);

    const cluster = await actor(a, { memberships: [{ nodeId: a.nodes.North!.id, primary: true }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: a.nodes.North!.id }] });
    const aStaff = await createUser(a.token, { memberships: [{ nodeId: a.nodes['North School']!.id, primary: true }] });
    aCallers = [{ name: 'trust admin', token: a.token }, { name: 'cluster admin', token: cluster.token }];
    bIds = {
      user: [b.adminId, bStaff.id, bParent.id],
      node: Object.values(b.nodes).map((n) => n.id),
      role: [role.body.id],
      assignment: bStaff.roles.map((r: { id: string }) => r.id),
      subject: [pupil],
    };
    // A's callers are left out of the targets, so no request signs them out or locks them.
    aIds = { user: [aStaff.id], node: Object.values(a.nodes).map((n) => n.id) };
    bSecrets = [...new Set([...Object.values(bIds).flat(), b.adminEmail, bStaff.email, bParent.email, `Bsecret${marker}`, `Bparent${marker}`, `B Secret Role ${marker}`, `B secret reason ${marker}`, b.trustId])];
  });

  // Sign-out would only end the caller's own session and make the rest of the run a string of 401s.
  const signedIn = routes.filter((route) => route.auth === 'user' && route.path !== '/auth/logout');

  it('holds for random requests to every signed-in route', async () => {
    const before = await snapshotOfB();
    const pick = (from: 'b' | 'a', kind: 'user' | 'node' | 'role' | 'assignment' | 'subject') =>
      from === 'b' || kind === 'role' || kind === 'assignment' || kind === 'subject' ? bIds[kind] : aIds[kind];
    const request = fc.record({
      route: fc.constantFrom(...signedIn),
      caller: fc.nat({ max: 1 }),
      from: fc.constantFrom<'a' | 'b'>('b', 'b', 'a'),
      index: fc.nat({ max: 10 }),
      bodyNode: fc.nat({ max: 10 }),
      bodyUser: fc.nat({ max: 10 }),
    });
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (requests) => {
        for (const r of requests) {
          const choose = (kind: 'user' | 'node' | 'role' | 'assignment' | 'subject', n: number) => {
            const ids = pick(r.from, kind);
            return ids[n % ids.length]!;
          };
          const bNode = bIds.node[r.bodyNode % bIds.node.length]!;
          const bUser = bIds.user[r.bodyUser % bIds.user.length]!;
          const path = r.route.path
            .replace('{id}', r.route.path.startsWith('/nodes') ? choose('node', r.index) : r.route.path.startsWith('/roles') ? choose('role', r.index) : choose('user', r.index))
            .replace('{nodeId}', choose('node', r.index + 1))
            .replace('{assignmentId}', choose('assignment', r.index))
            .replace('{subjectId}', choose('subject', r.index));
          const body = {
            userId: bUser, nodeId: bNode, parentId: bNode, schoolId: bNode, roleId: bIds.role[0], permission: 'users.view',
            subjectId: bIds.subject[0], checks: [{ userId: bUser, permission: 'users.view', nodeId: bNode }],
            name: 'Intruder', kind: 'school', firstName: 'In', lastName: 'Truder', email: `intruder-${randomUUID()}@test.example`, userType: 'staff',
            memberships: [{ nodeId: bNode }], roles: [{ roleId: presetIds.staff, nodeId: bNode }], grants: { [bIds.role[0]!]: ['users.view', 'org.manage'] },
            primary: true, isManager: true, reason: 'x', code: '000000',
          };
          const sent = `${path} ${JSON.stringify(body)}`;
          const query = r.route.method === 'GET' ? `?nodeId=${bNode}&targetId=${bUser}&actorId=${bUser}` : '';
          const response = await call(r.route.method, path + query, {
            token: aCallers[r.caller]!.token,
            ...(r.route.method === 'GET' || r.route.method === 'DELETE' ? {} : { body }),
            headers: { 'if-match': '1' },
          });
          answered += 1;
          expect(response.status, `${r.route.method} ${path}`).toBeLessThan(500);
          expect(response.status, `${r.route.method} ${path}: the caller's session must stay valid`).not.toBe(401);
          const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
          for (const secret of bSecrets) {
            if (!sent.includes(secret)) expect(text, `${r.route.method} ${path} leaked ${secret}`).not.toContain(secret);
          }
        }
      }),
      { numRuns: 40 },
    );
    expect(answered).toBeGreaterThan(40);
    expect(await snapshotOfB()).toEqual(before);
  });
});
