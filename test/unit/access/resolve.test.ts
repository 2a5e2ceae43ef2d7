import { describe, expect, it } from 'vitest';
import { accessReport, compilePerson, decide, effectivePermissions, type CompiledPerson, type DecideInput, type Person } from '../../../domain/access/resolve';
import { decideUnderPolicy } from '../../../domain/access/admin-policy';
import { presetIds, type Role } from '../../../domain/access/roles';
import { FUTURE, NOW, PAST, holder, makeAssignment, makePerson, makeRole, makeRoles, makeTree } from '../../fixtures/access';

const tree = makeTree();
const viewer = makeRole({ id: 'role-viewer', permissions: ['users.view'] });
const cp = makeRole({ id: 'role-cp', permissions: ['safeguarding.child_protection.view', 'children.view'] });
const roles = makeRoles(viewer, cp);
/** requireMfaForAdmins off: only requiresMfa codes wait for 2FA. */
const noPolicy = { requireMfaForAdmins: false };

function ask(person: Person | CompiledPerson, overrides: Partial<DecideInput> = {}) {
  return decide({ tree, roles, person, permission: 'users.view', nodeId: 'north-school', mfa: false, now: NOW, ...overrides });
}

describe('decide', () => {
  describe('account status', () => {
    it.each(['invited', 'locked', 'inactive'] as const)('answers inactive for a %s account whatever it holds', (status) => {
      expect(ask(holder(viewer.id, 'trust', { status }))).toEqual({ allowed: false, reason: 'inactive' });
    });

    it('answers inactive before looking at the node or permission', () => {
      expect(ask(makePerson({ status: 'locked' }), { nodeId: 'nowhere', permission: 'nope' }).reason).toBe('inactive');
    });
  });

  describe('unknown inputs', () => {
    it('answers no_grant for a node outside the tree', () => {
      expect(ask(holder(viewer.id, 'trust'), { nodeId: 'other-trust-school' })).toEqual({ allowed: false, reason: 'no_grant' });
    });

    it('answers no_grant for a permission not in the catalogue, even when a role names it', () => {
      const legacy = makeRole({ id: 'role-legacy', permissions: ['users.fly'] });
      const person = holder(legacy.id, 'trust');
      expect(decide({ tree, roles: makeRoles(legacy), person, permission: 'users.fly', nodeId: 'trust', mfa: true, now: NOW }).reason).toBe('no_grant');
    });

    it('grants nothing through an assignment whose role no longer exists', () => {
      expect(ask(holder('role-deleted', 'trust')).reason).toBe('no_grant');
    });

    it('ignores assignments at nodes outside the tree', () => {
      expect(ask(holder(viewer.id, 'other-trust-root')).reason).toBe('no_grant');
    });
  });

  describe('inheritance down the tree', () => {
    it('grants at the assigned node', () => {
      const person = holder(viewer.id, 'north');
      expect(ask(person, { nodeId: 'north' })).toMatchObject({ allowed: true, reason: 'granted' });
    });

    it('grants at every sub-cluster and school under the assigned cluster', () => {
      const person = holder(viewer.id, 'north');
      for (const nodeId of ['north-sub', 'sub-school', 'north-school']) expect(ask(person, { nodeId }).allowed, nodeId).toBe(true);
    });

    it('never grants above the assigned node or in a sibling cluster', () => {
      const person = holder(viewer.id, 'north');
      for (const nodeId of ['trust', 'south', 'south-school', 'central-school']) {
        expect(ask(person, { nodeId }), nodeId).toEqual({ allowed: false, reason: 'no_grant' });
      }
    });

    it('grants everywhere from the trust root', () => {
      const person = holder(viewer.id, 'trust');
      for (const nodeId of tree.nodes.keys()) expect(ask(person, { nodeId }).allowed, nodeId).toBe(true);
    });

    it('answers no_grant when the roles held do not carry the permission', () => {
      expect(ask(holder(presetIds.parent, 'trust')).reason).toBe('no_grant');
    });
  });

  describe('validity windows', () => {
    it('answers expired when the only grant ended', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validUntil: PAST })] });
      expect(ask(person)).toEqual({ allowed: false, reason: 'expired' });
    });

    it('answers expired when the only grant has not started yet', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validFrom: FUTURE })] });
      expect(ask(person).reason).toBe('expired');
    });

    it('counts validFrom as inclusive and validUntil as exclusive', () => {
      const startsNow = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validFrom: NOW.toISOString() })] });
      const endsNow = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validUntil: NOW.toISOString() })] });
      expect(ask(startsNow).reason).toBe('granted');
      expect(ask(endsNow).reason).toBe('expired');
    });

    it('grants inside a window', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validFrom: PAST, validUntil: FUTURE })] });
      expect(ask(person).reason).toBe('granted');
    });

    it('grants when one grant expired but another is valid', () => {
      const valid = makeAssignment({ roleId: viewer.id, nodeId: 'trust' });
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validUntil: PAST }), valid] });
      expect(ask(person)).toEqual({ allowed: true, reason: 'granted', via: { assignmentId: valid.id, roleId: viewer.id, nodeId: 'trust' } });
    });

    it('answers no_grant, not expired, when the expired assignment is elsewhere in the tree', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'south', validUntil: PAST })] });
      expect(ask(person).reason).toBe('no_grant');
    });

    it('treats a window that does not parse as never valid', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validUntil: 'someday' })] });
      expect(ask(person).reason).toBe('expired');
    });
  });

  describe('record blocks', () => {
    const blocked = (overrides: Partial<Person> = {}) =>
      holder(viewer.id, 'trust', { blocks: [{ subjectId: 'pupil-7', schoolId: 'south-school', reason: 'relative' }], ...overrides });

    it('answers blocked about the blocked pupil whatever the roles', () => {
      expect(ask(blocked(), { subjectId: 'pupil-7' })).toEqual({ allowed: false, reason: 'blocked' });
    });

    it('blocks at every node, not only the school named on the block', () => {
      expect(ask(blocked(), { subjectId: 'pupil-7', nodeId: 'north-school' }).reason).toBe('blocked');
      expect(ask(blocked(), { subjectId: 'pupil-7', nodeId: 'trust' }).reason).toBe('blocked');
    });

    it('beats an expired or missing grant too', () => {
      expect(ask(makePerson({ blocks: [{ subjectId: 'pupil-7', schoolId: 'north-school' }] }), { subjectId: 'pupil-7' }).reason).toBe('blocked');
    });

    it('leaves other pupils and subject-free checks alone', () => {
      expect(ask(blocked(), { subjectId: 'pupil-8' }).reason).toBe('granted');
      expect(ask(blocked()).reason).toBe('granted');
    });
  });

  describe('parents', () => {
    const parent = (overrides: Partial<Person> = {}) =>
      holder(presetIds.parent, 'north-school', { userType: 'parent', children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }], ...overrides });

    it('grants about a linked child', () => {
      expect(ask(parent(), { permission: 'children.view', subjectId: 'pupil-1' })).toMatchObject({ allowed: true, reason: 'granted' });
    });

    it('answers not_linked about any other pupil', () => {
      expect(ask(parent(), { permission: 'children.view', subjectId: 'pupil-2' })).toEqual({ allowed: false, reason: 'not_linked' });
    });

    it('still answers no_grant when the parent holds nothing for the permission', () => {
      expect(ask(parent(), { permission: 'behaviour.view', subjectId: 'pupil-2' }).reason).toBe('no_grant');
    });

    it('answers blocked before not_linked', () => {
      const person = parent({ blocks: [{ subjectId: 'pupil-1', schoolId: 'north-school' }] });
      expect(ask(person, { permission: 'children.view', subjectId: 'pupil-1' }).reason).toBe('blocked');
    });

    it('does not apply the child link rule to staff', () => {
      expect(ask(holder(viewer.id, 'north'), { subjectId: 'pupil-2' }).reason).toBe('granted');
    });

    describe('a link counts only on the branch of the school it was made at', () => {
      // The Parent role at two schools, linked to pupil-1 only at north-school.
      const twoSchools = () =>
        makePerson({
          userType: 'parent',
          assignments: [makeAssignment({ roleId: presetIds.parent, nodeId: 'north-school' }), makeAssignment({ roleId: presetIds.parent, nodeId: 'south-school' })],
          children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }],
        });
      const both = (person: Person) => [person, compilePerson(person, roles, tree)] as const;

      it('answers not_linked about the pupil at the other school where the parent also holds the Parent role', () => {
        for (const person of both(twoSchools())) {
          expect(ask(person, { permission: 'children.view', nodeId: 'south-school', subjectId: 'pupil-1' })).toEqual({ allowed: false, reason: 'not_linked' });
          expect(ask(person, { permission: 'children.view', nodeId: 'north-school', subjectId: 'pupil-1' }).reason).toBe('granted');
        }
      });

      it('counts the link above the linked school (its cluster, the trust) and below it, but not on a sibling branch', () => {
        const holdsEverywhere = makePerson({
          userType: 'parent',
          assignments: [makeAssignment({ roleId: presetIds.parent, nodeId: 'trust' })],
          children: [{ subjectId: 'pupil-1', schoolId: 'sub-school' }],
        });
        for (const person of both(holdsEverywhere)) {
          const at = (nodeId: string) => ask(person, { permission: 'children.view', nodeId, subjectId: 'pupil-1' }).reason;
          expect(['sub-school', 'north-sub', 'north', 'trust'].map(at)).toEqual(['granted', 'granted', 'granted', 'granted']);
          expect(['north-school', 'south', 'south-school', 'central-school'].map(at)).toEqual(['not_linked', 'not_linked', 'not_linked', 'not_linked']);
        }
      });

      it('counts a link at a cluster-level node for the nodes under it', () => {
        const person = holder(presetIds.parent, 'trust', { userType: 'parent', children: [{ subjectId: 'pupil-1', schoolId: 'north' }] });
        for (const asked of both(person)) {
          expect(ask(asked, { permission: 'children.view', nodeId: 'north-school', subjectId: 'pupil-1' }).reason).toBe('granted');
          expect(ask(asked, { permission: 'children.view', nodeId: 'south-school', subjectId: 'pupil-1' }).reason).toBe('not_linked');
        }
      });

      it('counts a link at a school that is no longer in the tree nowhere', () => {
        const person = holder(presetIds.parent, 'trust', { userType: 'parent', children: [{ subjectId: 'pupil-1', schoolId: 'closed-school' }] });
        for (const asked of both(person)) {
          expect(ask(asked, { permission: 'children.view', nodeId: 'trust', subjectId: 'pupil-1' }).reason).toBe('not_linked');
        }
      });

      it('applies to a parents-area permission held by staff through a custom role', () => {
        const person = holder(cp.id, 'trust', { children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }] });
        for (const asked of both(person)) {
          expect(ask(asked, { permission: 'children.view', nodeId: 'north-school', subjectId: 'pupil-1' }).reason).toBe('granted');
          expect(ask(asked, { permission: 'children.view', nodeId: 'south-school', subjectId: 'pupil-1' }).reason).toBe('not_linked');
          // Staff permissions outside the parents area are not tied to links.
          expect(ask(asked, { permission: 'safeguarding.child_protection.view', nodeId: 'south-school', subjectId: 'pupil-1', mfa: true }).reason).toBe('granted');
        }
      });
    });
  });

  describe('two-factor permissions', () => {
    it('answers mfa_required for a requiresMfa permission without 2FA', () => {
      expect(ask(holder(cp.id, 'north'), { permission: 'safeguarding.child_protection.view' })).toEqual({ allowed: false, reason: 'mfa_required' });
    });

    it('grants it once the session passed 2FA', () => {
      expect(ask(holder(cp.id, 'north'), { permission: 'safeguarding.child_protection.view', mfa: true }).reason).toBe('granted');
    });

    it('answers not_linked before mfa_required for a parent', () => {
      const person = holder(cp.id, 'north', { userType: 'parent' });
      expect(ask(person, { permission: 'safeguarding.child_protection.view', subjectId: 'pupil-9' }).reason).toBe('not_linked');
    });

    it('makes the Trust Admin safeguarding view work only after 2FA', () => {
      const admin = holder(presetIds.trustAdmin, 'trust');
      expect(ask(admin, { permission: 'safeguarding.child_protection.view' }).reason).toBe('mfa_required');
      expect(ask(admin, { permission: 'safeguarding.child_protection.view', mfa: true }).reason).toBe('granted');
      expect(ask(admin, { permission: 'safeguarding.allegations.manage', mfa: true }).reason).toBe('no_grant');
    });
  });

  describe('via', () => {
    it('names the valid granting assignment nearest to the asked node', () => {
      const atTrust = makeAssignment({ id: 'a-1', roleId: viewer.id, nodeId: 'trust' });
      const atSub = makeAssignment({ id: 'a-2', roleId: presetIds.schoolAdmin, nodeId: 'north-sub' });
      const atNorth = makeAssignment({ id: 'a-3', roleId: viewer.id, nodeId: 'north' });
      const person = makePerson({ assignments: [atTrust, atSub, atNorth] });
      expect(ask(person, { nodeId: 'sub-school' }).via).toEqual({ assignmentId: 'a-2', roleId: presetIds.schoolAdmin, nodeId: 'north-sub' });
      expect(ask(person, { nodeId: 'north-school' }).via).toEqual({ assignmentId: 'a-3', roleId: viewer.id, nodeId: 'north' });
      expect(ask(person, { nodeId: 'south' }).via?.assignmentId).toBe('a-1');
    });

    it('breaks ties at one node by the lowest assignment id', () => {
      const person = makePerson({
        assignments: [
          makeAssignment({ id: 'b', roleId: viewer.id, nodeId: 'north' }),
          makeAssignment({ id: 'a', roleId: presetIds.schoolAdmin, nodeId: 'north' }),
          makeAssignment({ id: 'c', roleId: viewer.id, nodeId: 'north' }),
        ],
      });
      expect(ask(person).via?.assignmentId).toBe('a');
    });

    it('skips a nearer assignment that is not valid', () => {
      const person = makePerson({
        assignments: [
          makeAssignment({ id: 'a-near', roleId: viewer.id, nodeId: 'north-school', validUntil: PAST }),
          makeAssignment({ id: 'a-far', roleId: viewer.id, nodeId: 'trust' }),
        ],
      });
      expect(ask(person).via?.assignmentId).toBe('a-far');
    });

    it('is absent from every refusal', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north', validUntil: PAST })] });
      expect(ask(person)).not.toHaveProperty('via');
    });
  });

  describe('compiled people', () => {
    it('give the same answers as plain people', () => {
      const person = holder(viewer.id, 'north', { blocks: [{ subjectId: 'p', schoolId: 'north-school' }] });
      const compiled = compilePerson(person, roles, tree);
      for (const nodeId of tree.nodes.keys()) {
        for (const subjectId of [undefined, 'p', 'q']) {
          expect(ask(compiled, { nodeId, subjectId })).toEqual(ask(person, { nodeId, subjectId }));
        }
      }
    });

    it('are recompiled when asked against another role map, so a role change is never missed', () => {
      const person = holder(viewer.id, 'north');
      const compiled = compilePerson(person, roles, tree);
      const narrowed: Role = { ...viewer, permissions: [] };
      expect(ask(compiled, { roles: makeRoles(narrowed, cp) }).reason).toBe('no_grant');
    });
  });
});

describe('effectivePermissions', () => {
  it('lists what the path grants, in catalogue order, withholding 2FA codes', () => {
    const person = makePerson({
      assignments: [makeAssignment({ roleId: cp.id, nodeId: 'north' }), makeAssignment({ roleId: viewer.id, nodeId: 'trust' })],
    });
    expect(effectivePermissions({ tree, roles, person, nodeId: 'north-school', mfa: false, now: NOW })).toEqual({
      permissions: ['users.view', 'children.view'],
      withheldForMfa: ['safeguarding.child_protection.view'],
    });
    expect(effectivePermissions({ tree, roles, person, nodeId: 'north-school', mfa: true, now: NOW })).toEqual({
      permissions: ['users.view', 'safeguarding.child_protection.view', 'children.view'],
      withheldForMfa: [],
    });
  });

  it('leaves out expired assignments and other branches', () => {
    const person = makePerson({
      assignments: [makeAssignment({ roleId: cp.id, nodeId: 'north', validUntil: PAST }), makeAssignment({ roleId: viewer.id, nodeId: 'south' })],
    });
    expect(effectivePermissions({ tree, roles, person, nodeId: 'north-school', mfa: true, now: NOW })).toEqual({ permissions: [], withheldForMfa: [] });
  });

  it('is empty for an inactive person or an unknown node', () => {
    expect(effectivePermissions({ tree, roles, person: holder(viewer.id, 'trust', { status: 'inactive' }), nodeId: 'trust', mfa: true, now: NOW }).permissions).toEqual([]);
    expect(effectivePermissions({ tree, roles, person: holder(viewer.id, 'trust'), nodeId: 'nowhere', mfa: true, now: NOW }).permissions).toEqual([]);
  });

  it('gives Trust Admin everything unreserved at any school, with child protection withheld until 2FA', () => {
    const result = effectivePermissions({ tree, roles, person: holder(presetIds.trustAdmin, 'trust'), nodeId: 'sub-school', mfa: false, now: NOW });
    expect(result.withheldForMfa).toEqual(['safeguarding.child_protection.view']);
    expect(result.permissions).not.toContain('safeguarding.allegations.manage');
    expect(result.permissions).toContain('org.manage');
  });
});

describe('accessReport', () => {
  const atNorth = makeAssignment({ id: 'r-1', roleId: viewer.id, nodeId: 'north' });
  const atSub = makeAssignment({ id: 'r-2', roleId: cp.id, nodeId: 'north-sub', validUntil: FUTURE });
  const expired = makeAssignment({ id: 'r-3', roleId: presetIds.schoolAdmin, nodeId: 'south', validUntil: PAST });
  const person = makePerson({ assignments: [atSub, expired, atNorth] });

  it('lists each valid assignment with how many nodes it covers and its permissions', () => {
    const report = accessReport({ tree, roles, policies: noPolicy, person, now: NOW });
    expect(report.active).toBe(true);
    expect(report.assignments).toEqual([
      {
        assignmentId: 'r-1', roleId: viewer.id, roleName: viewer.name, nodeId: 'north',
        nodeCount: 4, permissions: ['users.view'], withheldForMfa: [],
      },
      {
        assignmentId: 'r-2', roleId: cp.id, roleName: cp.name, nodeId: 'north-sub', validUntil: FUTURE,
        nodeCount: 2, permissions: ['children.view'], withheldForMfa: ['safeguarding.child_protection.view'],
      },
    ]);
  });

  it('lists by node every effective permission with the assignment it comes from', () => {
    const report = accessReport({ tree, roles, policies: noPolicy, person, now: NOW, mfa: true });
    expect(report.nodes.map((entry) => entry.nodeId)).toEqual(['north', 'north-school', 'north-sub', 'sub-school']);
    const subSchool = report.nodes.find((entry) => entry.nodeId === 'sub-school')!;
    expect(subSchool.permissions).toEqual([
      { code: 'users.view', via: { assignmentId: 'r-1', roleId: viewer.id, nodeId: 'north' } },
      { code: 'safeguarding.child_protection.view', via: { assignmentId: 'r-2', roleId: cp.id, nodeId: 'north-sub' } },
      { code: 'children.view', via: { assignmentId: 'r-2', roleId: cp.id, nodeId: 'north-sub' } },
    ]);
  });

  it('agrees with decide about every code at every node', () => {
    const report = accessReport({ tree, roles, policies: noPolicy, person, now: NOW, mfa: true });
    for (const entry of report.nodes) {
      for (const { code, via } of entry.permissions) {
        expect(decide({ tree, roles, person, permission: code, nodeId: entry.nodeId, mfa: true, now: NOW }).via).toEqual(via);
      }
    }
  });

  it("withholds 2FA codes unless the person has 2FA turned on", () => {
    expect(accessReport({ tree, roles, policies: noPolicy, person, now: NOW }).nodes.at(-1)!.withheldForMfa.map((p) => p.code)).toEqual(['safeguarding.child_protection.view']);
    expect(accessReport({ tree, roles, policies: noPolicy, person: { ...person, mfaEnabled: true }, now: NOW }).nodes.at(-1)!.withheldForMfa).toEqual([]);
  });

  describe('under requireMfaForAdmins', () => {
    const adminPolicy = { requireMfaForAdmins: true };

    it('lists administration codes under withheldForMfa for someone without 2FA, as decide answers mfa_required', () => {
      const report = accessReport({ tree, roles, policies: adminPolicy, person, now: NOW });
      expect(report.assignments.map((a) => [a.assignmentId, a.permissions, a.withheldForMfa])).toEqual([
        ['r-1', [], ['users.view']],
        ['r-2', ['children.view'], ['safeguarding.child_protection.view']],
      ]);
      const subSchool = report.nodes.find((entry) => entry.nodeId === 'sub-school')!;
      expect(subSchool.permissions.map((p) => p.code)).toEqual(['children.view']);
      expect(subSchool.withheldForMfa).toEqual([
        { code: 'users.view', via: { assignmentId: 'r-1', roleId: viewer.id, nodeId: 'north' } },
        { code: 'safeguarding.child_protection.view', via: { assignmentId: 'r-2', roleId: cp.id, nodeId: 'north-sub' } },
      ]);
    });

    it('agrees with decideUnderPolicy about every code at every node, with and without 2FA', () => {
      for (const mfa of [false, true]) {
        const report = accessReport({ tree, roles, policies: adminPolicy, person, mfa, now: NOW });
        for (const entry of report.nodes) {
          for (const { code } of entry.permissions) {
            expect(decideUnderPolicy({ tree, roles, policies: adminPolicy, person, permission: code, nodeId: entry.nodeId, mfa, now: NOW }).allowed).toBe(true);
          }
          for (const { code } of entry.withheldForMfa) {
            expect(decideUnderPolicy({ tree, roles, policies: adminPolicy, person, permission: code, nodeId: entry.nodeId, mfa, now: NOW }).reason).toBe('mfa_required');
          }
        }
      }
    });

    it('withholds nothing from someone with 2FA on', () => {
      const report = accessReport({ tree, roles, policies: adminPolicy, person: { ...person, mfaEnabled: true }, now: NOW });
      expect(report.nodes.flatMap((entry) => entry.withheldForMfa)).toEqual([]);
      expect(report.nodes.find((entry) => entry.nodeId === 'north')!.permissions.map((p) => p.code)).toEqual(['users.view']);
    });
  });

  it('is empty for an inactive person', () => {
    expect(accessReport({ tree, roles, policies: noPolicy, person: { ...person, status: 'inactive' }, now: NOW })).toEqual({ active: false, assignments: [], nodes: [], nextAfter: null });
  });
});

describe('accessReport pages', () => {
  const roles = makeRoles();
  const admin = holder(presetIds.trustAdmin, 'trust');

  it('walks the covered nodes a page at a time, in tree order, without repeats or gaps', () => {
    const all = accessReport({ tree, roles, policies: noPolicy, person: admin, now: NOW }).nodes.map((n) => n.nodeId);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = accessReport({ tree, roles, policies: noPolicy, person: admin, now: NOW, page: { limit: 3, ...(after ? { after } : {}) } });
      expect(page.nodes.length).toBeGreaterThan(0);
      expect(page.nodes.length).toBeLessThanOrEqual(3);
      seen.push(...page.nodes.map((n) => n.nodeId));
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(seen).toEqual(all);
    expect(all).toHaveLength(tree.nodes.size);
  });

  it('answers one node and one code when asked', () => {
    const page = accessReport({ tree, roles, policies: noPolicy, person: admin, now: NOW, page: { limit: 50, nodeId: 'north-school', permission: 'users.view' } });
    expect(page.nodes.map((n) => [n.nodeId, n.permissions.map((p) => p.code)])).toEqual([['north-school', ['users.view']]]);
    expect(page.assignments.map((a) => a.roleId)).toEqual([presetIds.trustAdmin]);
    const nowhere = accessReport({ tree, roles, policies: noPolicy, person: holder(presetIds.teacher, 'south-school'), now: NOW, page: { limit: 50, nodeId: 'north-school' } });
    expect(nowhere).toMatchObject({ assignments: [], nodes: [], nextAfter: null });
  });

  it('gives no cursor when the nodes after the page hold nothing of the code asked about', () => {
    const person = makePerson({ assignments: [makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'north-school' }), makeAssignment({ roleId: presetIds.teacher, nodeId: 'south-school' })] });
    const page = accessReport({ tree, roles, policies: noPolicy, person, now: NOW, page: { limit: 1, permission: 'users.create' } });
    expect(page.nodes.map((n) => n.nodeId)).toEqual(['north-school']);
    expect(page.nextAfter).toBeNull();
  });
});
