import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAssign } from '../../../domain/access/delegation';
import { isSensitive, permissionByCode } from '../../../domain/access/permissions';
import type { Person } from '../../../domain/access/resolve';
import { rolesById, type Role } from '../../../domain/access/roles';
import { ForbiddenError } from '../../../domain/errors';
import { ROLE_CODES, TIMES, pick, timeArb, treeArb, worldArb } from '../../fixtures/access-arbitraries';
import { makeRole } from '../../fixtures/access';
import { nodesUnder, referenceDecide, referenceHolds, referenceListed, referenceMayAssignVia, type World } from './reference-model';

const stepArb = fc.record({
  caller: fc.nat(20),
  target: fc.nat(20),
  role: fc.nat(20),
  node: fc.nat(20),
  mfa: fc.constantFrom(true, true, false),
  now: timeArb,
  validFrom: fc.option(timeArb, { nil: undefined }),
  validUntil: fc.option(timeArb, { nil: undefined }),
});

/**
 * One admin holding a random set of codes (always roles.assign) at the trust
 * root, four people who start with nothing but memberships, and a random
 * sequence of attempted grants between them.
 */
const scenarioArb = (withAssignable: boolean) =>
  fc.record({
    tree: treeArb,
    // Small roles, half of them carrying roles.assign, so grants are often approved and chains of delegation form.
    roles: fc
      .array(
        fc.record({
          codes: fc.subarray(ROLE_CODES, { maxLength: 3 }),
          canAssign: fc.boolean(),
          assignable: fc.array(fc.nat(20), { maxLength: withAssignable ? 2 : 0 }),
        }),
        { minLength: 1, maxLength: 5 },
      )
      .map((specs) =>
        specs.map((spec, i) =>
          makeRole({
            id: `r${i}`,
            permissions: spec.canAssign ? [...new Set(['roles.assign', ...spec.codes])] : spec.codes,
            assignableRoles: spec.assignable.map((k) => `r${k % specs.length}`),
          }),
        ),
      ),
    adminCodes: fc.subarray(ROLE_CODES, { minLength: 3 }),
    adminAssignable: fc.array(fc.nat(20), { maxLength: withAssignable ? 2 : 0 }),
    memberships: fc.array(fc.array(fc.nat(20), { maxLength: 2 }), { minLength: 4, maxLength: 4 }),
    membersOnly: fc.constantFrom(false, false, true),
    steps: fc.array(stepArb, { minLength: 5, maxLength: 40, size: 'medium' }),
  });

type Scenario = ReturnType<typeof scenarioArb> extends fc.Arbitrary<infer S> ? S : never;

function setUp(scenario: Scenario) {
  const { nodes } = scenario.tree;
  const admin: Role = makeRole({
    id: 'r-admin',
    permissions: [...new Set(['roles.assign', ...scenario.adminCodes])],
    assignableRoles: scenario.adminAssignable.map((k) => `r${k % scenario.roles.length}`),
  });
  const roles = [...scenario.roles, admin];
  const world: World = { nodes, roles };
  const people: Person[] = [
    { id: 'p-admin', status: 'active', userType: 'staff', mfaEnabled: true, assignments: [{ id: 'seed', roleId: admin.id, nodeId: 't' }], memberships: [], blocks: [], children: [] },
    ...scenario.memberships.map(
      (picks, i): Person => ({
        id: `p${i}`,
        status: 'active',
        userType: 'staff',
        mfaEnabled: true,
        assignments: [],
        memberships: picks.map((k) => ({ nodeId: nodes[k % nodes.length]!.id, primary: false, isManager: false })),
        blocks: [],
        children: [],
      }),
    ),
  ];
  return { world, roles, rolesMap: rolesById(roles), people };
}

let approvedGrants = 0;
let delegatedGrants = 0;

/** Runs the scenario, checking each approved grant against the caller's state at that moment. */
function runGrants(scenario: Scenario) {
  const { world, roles, rolesMap, people } = setUp(scenario);
  const { tree, nodes } = scenario.tree;
  scenario.steps.forEach((step, i) => {
    // Mostly people who already hold something, so delegation chains form; sometimes anyone at all.
    const holders = people.filter((person) => person.assignments.length > 0);
    const pool = step.caller % 3 === 0 ? people : holders;
    const caller = pool[step.caller % pool.length]!;
    const targetIndex = step.target % people.length;
    const target = people[targetIndex]!;
    const role = roles[step.role % roles.length]!;
    const nodeId = nodes[step.node % nodes.length]!.id;
    let approved = true;
    try {
      // The grant as it will be recorded below, its window included (a grant may not outlive the caller's authority).
      checkAssign({
        tree, roles: rolesMap, caller, callerMfa: step.mfa, target, roleId: role.id, nodeId, now: new Date(step.now), policy: { membersOnly: scenario.membersOnly },
        ...(step.validFrom !== undefined ? { validFrom: step.validFrom } : {}),
        ...(step.validUntil !== undefined ? { validUntil: step.validUntil } : {}),
      });
    } catch {
      approved = false;
    }
    if (!approved) return;
    approvedGrants += 1;
    if (caller.id !== 'p-admin') delegatedGrants += 1;

    // (d) in the sequence: never without roles.assign at the node.
    expect(referenceHolds(world, caller, 'roles.assign', nodeId, step.mfa, step.now)).toBe(true);
    // Sensitive roles only from a session that passed 2FA.
    if (role.permissions.some(isSensitive)) expect(step.mfa).toBe(true);
    // (c) every code the grant confers, at every node it covers, the caller held there or could assign the role there;
    // and the same for every role the granted one lets its holder hand out (review B, F5: no second-account detour).
    for (const handed of [role.id, ...referenceListed(world, role.id)]) {
      const handedRole = roles.find((r) => r.id === handed)!;
      if (handedRole.permissions.some(isSensitive)) expect(step.mfa, `${handed} handed out without 2FA`).toBe(true);
      for (const covered of nodesUnder(world, nodeId)) {
        for (const code of handedRole.permissions.filter((c) => permissionByCode.has(c))) {
          const held = referenceHolds(world, caller, code, covered, step.mfa, step.now);
          const delegable = referenceMayAssignVia(world, caller, handed, covered, step.now);
          expect(held || delegable, `${caller.id} granted ${code} at ${covered} via ${role.id} (${handed})`).toBe(true);
        }
      }
    }

    people[targetIndex] = {
      ...target,
      assignments: [
        ...target.assignments,
        {
          id: `g${String(i).padStart(3, '0')}`,
          roleId: role.id,
          nodeId,
          ...(step.validFrom !== undefined ? { validFrom: step.validFrom } : {}),
          ...(step.validUntil !== undefined ? { validUntil: step.validUntil } : {}),
        },
      ],
    };
  });
  return { world, people };
}

describe('checkAssign (property)', () => {
  it('never lets a grant confer a code the caller did not hold at the node or could not assign via assignableRoles', () => {
    approvedGrants = 0;
    delegatedGrants = 0;
    fc.assert(fc.property(scenarioArb(true), (scenario) => void runGrants(scenario)), { numRuns: 400 });
    // The property means something only if grants, including second-hand ones, are actually approved.
    expect(approvedGrants).toBeGreaterThan(1000);
    expect(delegatedGrants).toBeGreaterThan(100);
  });

  it('without assignableRoles, nobody ever holds anywhere a code the first admin does not hold there', () => {
    fc.assert(
      fc.property(scenarioArb(false), (scenario) => {
        const { world, people } = runGrants(scenario);
        const admin = people[0]!;
        for (const now of TIMES) {
          for (const person of people) {
            for (const node of world.nodes) {
              for (const code of ROLE_CODES) {
                if (referenceHolds(world, person, code, node.id, true, now)) {
                  expect(referenceHolds(world, admin, code, node.id, true, now), `${person.id} holds ${code} at ${node.id}`).toBe(true);
                }
              }
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses with forbidden every caller without roles.assign at the node, and never says forbidden to one with it', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(20), fc.nat(20), fc.nat(20), fc.boolean(), timeArb, fc.boolean(), (world, who, r, n, mfa, nowIso, membersOnly) => {
        const caller = world.people[who % world.people.length]!;
        const target = world.people[(who + 1) % world.people.length]!;
        const roleId = world.roles[r % world.roles.length]!.id;
        const nodeId = pick(world.nodes.map((node) => node.id), n, world.tree.rootId);
        const hasAssign = referenceDecide(world, caller, { permission: 'roles.assign', nodeId, mfa, now: nowIso }).allowed;
        const run = () =>
          checkAssign({ tree: world.tree, roles: world.rolesMap, caller, callerMfa: mfa, target, roleId, nodeId, now: new Date(nowIso), policy: { membersOnly } });
        let error: unknown;
        try {
          run();
        } catch (e) {
          error = e;
        }
        if (!hasAssign) {
          expect(error).toBeInstanceOf(ForbiddenError);
          expect((error as ForbiddenError).code).toBe('forbidden');
        } else if (error instanceof ForbiddenError) {
          expect(error.code).not.toBe('forbidden');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
