import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSensitive } from '../../../domain/access/permissions';
import { presetIds, presetRoles, type Role } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { defaultSeed, makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * The delegation guard as a property over HTTP: a Cluster Administrator makes
 * random POST /users/{id}/roles calls (any role, any node, to people inside and
 * outside its cluster and to itself, so what it holds can grow as it goes).
 * Every answer matches a small model of the rules, and no accepted grant ever
 * hands out a permission the caller did not hold there, unless a role the
 * caller holds on that path lists the granted role as assignable.
 */
describe('property: no sequence of allowed role grants lets a Cluster Administrator hand out more than it may', () => {
  const seed: typeof defaultSeed = [...defaultSeed, { kind: 'school', name: 'Central School' }];
  let trust: TestTrust;
  let nodes: { id: string; kind: string; parentId: string | null }[];
  let roles: Map<string, Role>;
  let targets: { name: string; id: string | null; visible: boolean }[];
  const custom = () => [...roles.values()].filter((r) => !r.builtIn).map((r) => r.id);

  beforeAll(async () => {
    trust = await makeTrust(seed);
    nodes = Object.values(trust.nodes);
    const customRoles = await Promise.all(
      [
        { name: 'Helper', permissions: ['users.view', 'reports.view'] },
        { name: 'Scheduler', permissions: ['reports.view', 'reports.manage_schedules'] },
        // School Admin holds these; a Cluster Administrator does not, until it gives itself School Admin.
        { name: 'Class Organiser', scope: 'school', permissions: ['classes.view', 'classes.enrol'] },
      ].map(async (body) => {
        const response = await call('POST', '/roles', { token: trust.token, body });
        expect(response.status).toBe(201);
        return response.body as Role;
      }),
    );
    roles = new Map([...presetRoles(), ...customRoles].map((r) => [r.id, r]));
    const placed = (school: string) => createUser(trust.token, { memberships: [{ nodeId: trust.nodes[school]!.id }] });
    const [north, sub, south] = await Promise.all([placed('North School'), placed('Sub School'), placed('South School')]);
    targets = [
      { name: 'self', id: null, visible: true },
      { name: 'north', id: north.id, visible: true },
      { name: 'sub', id: sub.id, visible: true },
      { name: 'south', id: south.id, visible: false },
    ];
  });

  const pathToRoot = (nodeId: string) => {
    const path: string[] = [];
    for (let id: string | null = nodeId; id !== null; id = nodes.find((n) => n.id === id)!.parentId) path.push(id);
    return path;
  };

  it('holds for random grants', async () => {
    const tally = { accepted: 0, refused: 0 };
    // Weighted towards grants that can succeed (nodes in North, roles the caller may hand out), so runs get far.
    const north = trust.nodes.North!.id;
    const inNorth = nodes.filter((n) => pathToRoot(n.id).includes(north)).map((n) => n.id);
    const ca = roles.get(presetIds.clusterAdministrator)!;
    const attemptArb = fc.record({
      target: fc.nat(targets.length - 1),
      roleId: fc.oneof({ arbitrary: fc.constantFrom(...roles.keys()), weight: 1 }, { arbitrary: fc.constantFrom(...ca.assignableRoles, ...custom()), weight: 1 }),
      nodeId: fc.oneof({ arbitrary: fc.constantFrom(...nodes.map((n) => n.id)), weight: 1 }, { arbitrary: fc.constantFrom(...inNorth), weight: 2 }),
    });
    const school = (name: string) => trust.nodes[name]!.id;
    const classOrganiser = [...roles.values()].find((r) => r.name === 'Class Organiser')!.id;
    // One run always takes the interesting paths: try to give itself School Admin (refused), then hand out what that would have added;
    // a sensitive role, a role above it, a person outside its reach and a node outside its cluster.
    const example = [
      { target: 1, roleId: classOrganiser, nodeId: school('North School') },
      { target: 0, roleId: presetIds.schoolAdmin, nodeId: school('North School') },
      { target: 1, roleId: classOrganiser, nodeId: school('North School') },
      { target: 2, roleId: classOrganiser, nodeId: school('Sub School') },
      { target: 0, roleId: presetIds.headTeacher, nodeId: school('Sub School') },
      { target: 2, roleId: presetIds.curriculumAdministrator, nodeId: school('Sub School') },
      { target: 3, roleId: presetIds.teacher, nodeId: school('North School') },
      { target: 1, roleId: presetIds.teacher, nodeId: school('South School') },
    ];

    await fc.assert(
      fc.asyncProperty(fc.array(attemptArb, { minLength: 1, maxLength: 8 }), async (attempts) => {
        const caller = await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] });
        // The model: what the caller holds, as (role, node) pairs.
        const held: { roleId: string; nodeId: string }[] = [{ roleId: presetIds.clusterAdministrator, nodeId: north }];
        const heldAt = (nodeId: string) => {
          const path = new Set(pathToRoot(nodeId));
          return new Set(held.filter((h) => path.has(h.nodeId)).flatMap((h) => roles.get(h.roleId)!.permissions));
        };
        const bindAt = (nodeId: string, roleId: string) => {
          const path = new Set(pathToRoot(nodeId));
          return held.some((h) => path.has(h.nodeId) && roles.get(h.roleId)!.assignableRoles.includes(roleId));
        };
        const accepted: { roleId: string; nodeId: string }[] = [];

        for (const attempt of attempts) {
          const target = targets[attempt.target]!;
          const role = roles.get(attempt.roleId)!;
          const kind = nodes.find((n) => n.id === attempt.nodeId)!.kind;
          const perms = heldAt(attempt.nodeId);
          const expected = target.id === null
            ? [403, 'self_change'] // nobody changes their own roles, whatever they hold
            : !target.visible
            ? [404, 'not_found']
            : !perms.has('roles.assign')
              ? [403, 'forbidden']
              : role.permissions.some(isSensitive)
                ? [403, 'mfa_required']
                : !(role.permissions.every((p) => perms.has(p)) || bindAt(attempt.nodeId, role.id))
                  ? [403, 'escalation']
                  : !(role.scope === 'any' || role.scope === kind)
                    ? [400, 'scope_mismatch']
                    : [201, undefined];
          const userId = target.id ?? caller.user.id;
          const response = await call('POST', `/users/${userId}/roles`, { token: caller.token, body: { roleId: role.id, nodeId: attempt.nodeId } });
          expect([response.status, response.body.code], `${role.name} at ${kind} ${attempt.nodeId} for ${target.name}`).toEqual(expected);
          if (response.status === 201) {
            tally.accepted++;
            accepted.push({ roleId: role.id, nodeId: attempt.nodeId });
            if (target.id === null) held.push({ roleId: role.id, nodeId: attempt.nodeId });
          } else tally.refused++;
        }

        // What the server says the caller holds now, at every node and overall.
        const me = (await call('GET', '/me', { token: caller.token })).body;
        expect(new Set(me.roles.map((r: any) => `${r.roleId}@${r.nodeId}`))).toEqual(new Set(held.map((h) => `${h.roleId}@${h.nodeId}`)));
        const permsAt = new Map(
          await Promise.all(
            nodes.map(async (n) => [n.id, new Set((await call('GET', `/me/permissions?nodeId=${n.id}`, { token: caller.token })).body.permissions as string[])] as const),
          ),
        );
        for (const grant of accepted) {
          const role = roles.get(grant.roleId)!;
          const callerHolds = role.permissions.every((p) => permsAt.get(grant.nodeId)!.has(p));
          const listed = pathToRoot(grant.nodeId).some((nodeId) =>
            me.roles.some((r: any) => r.nodeId === nodeId && roles.get(r.roleId)!.assignableRoles.includes(grant.roleId)),
          );
          expect(callerHolds || listed, `${role.name} granted at ${grant.nodeId}`).toBe(true);
        }
        // Whatever it gave itself, the caller never holds anything outside what its
        // Cluster Administrator role could hand out in the first place, nor anything outside North.
        const grantable = new Set([...ca.permissions, ...ca.assignableRoles.flatMap((id) => roles.get(id)!.permissions)]);
        const northSubtree = new Set(nodes.filter((n) => pathToRoot(n.id).includes(north)).map((n) => n.id));
        for (const [nodeId, codes] of permsAt) {
          if (!northSubtree.has(nodeId)) expect([...codes], `outside North at ${nodeId}`).toEqual([]);
          for (const code of codes) expect(grantable.has(code), `${code} at ${nodeId}`).toBe(true);
        }
      }),
      { numRuns: 12, seed: 4242, endOnFailure: true, examples: [[example]] },
    );
        expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  }, 60_000);
});
