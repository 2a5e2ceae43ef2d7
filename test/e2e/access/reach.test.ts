import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds, presetRoles, type RoleScope } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser, subtreeOf } from '../../fixtures/people';
import { defaultSeed, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let ca: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  ca = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
});

describe('a Cluster Administrator\'s reach', () => {
  it('GET /users/{id}: 404 for a user placed in another cluster, 200 for one in its sub-cluster\'s school', async () => {
    const south = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const sub = await createUser(trust.token, { memberships: [{ nodeId: node('Sub School') }] });
    expect((await call('GET', `/users/${south.id}`, { token: ca.token })).status).toBe(404);
    const seen = await call('GET', `/users/${sub.id}`, { token: ca.token });
    expect(seen.status).toBe(200);
    expect(seen.body.id).toBe(sub.id);
  });

  it('sees a user placed only by a role assignment in its cluster, and not one placed nowhere', async () => {
    const byRole = await createUser(trust.token, { roles: [{ roleId: presetIds.staff, nodeId: node('North School') }] });
    const nowhere = await createUser(trust.token);
    expect((await call('GET', `/users/${byRole.id}`, { token: ca.token })).status).toBe(200);
    expect((await call('GET', `/users/${nowhere.id}`, { token: ca.token })).status).toBe(404);
    expect((await call('GET', `/users/${nowhere.id}`, { token: trust.token })).status).toBe(200);
  });

  it('loses sight of a user who moves out of its cluster', async () => {
    const mover = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await call('GET', `/users/${mover.id}`, { token: ca.token })).status).toBe(200);
    await call('PUT', `/users/${mover.id}/memberships/${node('South School')}`, { token: trust.token, body: { primary: true } });
    await call('DELETE', `/users/${mover.id}/memberships/${node('North School')}`, { token: trust.token });
    expect((await call('GET', `/users/${mover.id}`, { token: ca.token })).status).toBe(404);
  });

  it('cannot claim a person from elsewhere by placing them or giving them a role in its cluster (404)', async () => {
    const south = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const place = await call('PUT', `/users/${south.id}/memberships/${node('North School')}`, { token: ca.token, body: {} });
    expect(place.status).toBe(404);
    const role = await call('POST', `/users/${south.id}/roles`, { token: ca.token, body: { roleId: presetIds.teacher, nodeId: node('North School') } });
    expect(role.status).toBe(404);
    const nowhere = await createUser(trust.token);
    expect((await call('PUT', `/users/${nowhere.id}/memberships/${node('North School')}`, { token: ca.token, body: {} })).status).toBe(404);
    const after = (await call('GET', `/users/${south.id}`, { token: trust.token })).body;
    expect(after.memberships.map((m: any) => m.nodeId)).toEqual([node('South School')]);
    expect(after.roles).toEqual([]);
  });

  it('follows the tree: a sub-cluster moved to another cluster leaves its reach at once', async () => {
    const t = await makeTrust();
    const n = (name: string) => t.nodes[name]!.id;
    const tca = await actor(t, { memberships: [{ nodeId: n('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: n('North') }] });
    const sub = await createUser(t.token, { memberships: [{ nodeId: n('Sub School') }] });
    expect((await call('GET', `/users/${sub.id}`, { token: tca.token })).status).toBe(200);
    const moved = await call('PATCH', `/nodes/${n('North Sub')}`, { token: t.token, body: { parentId: n('South') }, headers: { 'if-match': '1' } });
    expect(moved.status).toBe(200);
    expect((await call('GET', `/users/${sub.id}`, { token: tca.token })).status).toBe(404);
    expect((await call('GET', `/me/permissions?nodeId=${n('Sub School')}`, { token: tca.token })).body.permissions).toEqual([]);
    const assign = await call('POST', '/users', { token: tca.token, body: { firstName: 'A', lastName: 'B', email: `moved-${sub.id}@test.example`, userType: 'staff', memberships: [{ nodeId: n('Sub School') }] } });
    expect(assign.status).toBe(403);
  });

  it('POST /authz/check about a person outside its reach answers 404; inside, 200', async () => {
    const south = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const outside = await call('POST', '/authz/check', { token: ca.token, body: { userId: south.id, permission: 'users.view', nodeId: node('South School') } });
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('not_found');
    const sub = await createUser(trust.token, { memberships: [{ nodeId: node('Sub School') }] });
    const inside = await call('POST', '/authz/check', { token: ca.token, body: { userId: sub.id, permission: 'users.view', nodeId: node('Sub School') } });
    expect(inside.status).toBe(200);
    expect(inside.body).toMatchObject({ allowed: false, reason: 'inactive' });
  });

  it('GET /users/{id}/access and GET /users/{id}/blocks answer 404 outside its reach', async () => {
    const south = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    expect((await call('GET', `/users/${south.id}/access`, { token: ca.token })).status).toBe(404);
    expect((await call('GET', `/users/${south.id}/blocks`, { token: ca.token })).status).toBe(404);
  });

  it('GET /audit shows only records at nodes in its cluster', async () => {
    const t = await makeTrust();
    const n = (name: string) => t.nodes[name]!.id;
    const tca = await actor(t, { memberships: [{ nodeId: n('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: n('North') }] });
    const [northUser, subUser, southUser] = await Promise.all(
      ['North School', 'Sub School', 'South School'].map((school) => createUser(t.token, { memberships: [{ nodeId: n(school) }] })),
    );
    const southNode = (await call('POST', '/nodes', { token: t.token, body: { kind: 'school', name: 'South Two', parentId: n('South') } })).body;
    const response = await call('GET', '/audit?limit=200', { token: tca.token });
    expect(response.status).toBe(200);
    const items = response.body.items as any[];
    const north = subtreeOf(Object.values(t.nodes), n('North'));
    expect(items.length).toBeGreaterThan(0);
    for (const record of items) expect(north.has(record.nodeId)).toBe(true);
    const targets = new Set(items.map((r) => r.targetId));
    expect(targets.has(northUser.id)).toBe(true);
    expect(targets.has(subUser.id)).toBe(true);
    expect(targets.has(southUser.id)).toBe(false);
    expect(targets.has(southNode.id)).toBe(false);
    // The trust admin sees all of them.
    const all = new Set(((await call('GET', '/audit?limit=200', { token: t.token })).body.items as any[]).map((r) => r.targetId));
    expect([northUser.id, subUser.id, southUser.id, southNode.id].every((id) => all.has(id))).toBe(true);
    // Asking for an outside record by its target gives nothing, not an error.
    const asked = await call('GET', `/audit?targetId=${southUser.id}`, { token: tca.token });
    expect(asked.status).toBe(200);
    expect(asked.body.items).toEqual([]);
  });
});

describe('reach property: GET /users/{id} answers 200 exactly for people placed in the caller\'s users.view reach', () => {
  const seed: typeof defaultSeed = [...defaultSeed, { kind: 'school', name: 'Central School' }];
  let t: TestTrust;
  let foreigner: any;
  let nodeList: { id: string; kind: string; parentId: string | null }[];

  /** The Trust Admin in a 2FA session: Trust Admin and Head Office let their holders appoint a DSL, so only a 2FA session may hand them out. */
  let admin2fa: string;

  beforeAll(async () => {
    t = await makeTrust(seed);
    admin2fa = await signInWithTotp(t.adminEmail, TEST_PASSWORD, await turnOnTotp(t.token));
    nodeList = Object.values(t.nodes);
    const other = await makeTrust([{ kind: 'school', name: 'Theirs' }]);
    foreigner = await createUser(other.token, { memberships: [{ nodeId: other.nodes.Theirs!.id }] });
  });

  it('holds for random placements and a random caller assignment', async () => {
    const presets = new Map(presetRoles().map((r) => [r.id, r]));
    // Roles a caller can hold, with and without users.view.
    const callerRoles = [
      presetIds.trustAdmin, presetIds.trustReportViewer, presetIds.headOffice, presetIds.clusterAdministrator, presetIds.schoolAdmin,
      presetIds.nurseryManager, presetIds.teacher, presetIds.staff, presetIds.curriculumAdministrator, presetIds.parent,
    ];
    const fits = (scope: RoleScope, kind: string) => scope === 'any' || scope === kind;
    const callerAssignments = callerRoles.flatMap((roleId) =>
      nodeList.filter((n) => fits(presets.get(roleId)!.scope, n.kind)).map((n) => ({ roleId, nodeId: n.id })),
    );
    const nodeIdArb = fc.constantFrom(...nodeList.map((n) => n.id));
    const personArb = fc.record({
      memberships: fc.uniqueArray(nodeIdArb, { maxLength: 2 }),
      staffAt: fc.option(nodeIdArb, { nil: undefined }),
    });

    const seen = { visible: 0, hidden: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...callerAssignments), fc.array(personArb, { minLength: 1, maxLength: 4 }), async (assignment, people) => {
        const caller = await actor({ ...t, token: admin2fa }, { userType: assignment.roleId === presetIds.parent ? 'parent' : 'staff', roles: [assignment] });
        const created = await Promise.all(
          people.map((p) =>
            createUser(t.token, {
              memberships: p.memberships.map((nodeId) => ({ nodeId })),
              roles: p.staffAt ? [{ roleId: presetIds.staff, nodeId: p.staffAt }] : [],
            }),
          ),
        );
        const reach = presets.get(assignment.roleId)!.permissions.includes('users.view') ? subtreeOf(nodeList, assignment.nodeId) : new Set<string>();
        const statuses = await Promise.all(created.map((u) => call('GET', `/users/${u.id}`, { token: caller.token }).then((r) => r.status)));
        const expected = people.map((p) => {
          const placed = [...p.memberships, ...(p.staffAt ? [p.staffAt] : [])];
          const visible = placed.length === 0 ? reach.has(t.rootId) : placed.some((id) => reach.has(id));
          return visible ? 200 : 404;
        });
        expect(statuses).toEqual(expected);
        expected.forEach((status) => (status === 200 ? seen.visible++ : seen.hidden++));
        expect((await call('GET', `/users/${foreigner.id}`, { token: caller.token })).status).toBe(404);
      }),
      { numRuns: 15, seed: 20250301, endOnFailure: true },
    );
    // The runs exercised both sides of the property.
    expect(seen.visible).toBeGreaterThan(0);
    expect(seen.hidden).toBeGreaterThan(0);
  }, 60_000);
});
