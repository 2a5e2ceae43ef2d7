import { describe, expect, it } from 'vitest';
import { compilePerson, decide, type CompiledPerson, type DecideInput, type Person } from '../../../domain/access/resolve';
import { presetIds } from '../../../domain/access/roles';
import { buildTree, type OrgNode } from '../../../domain/org/tree';
import { NOW, holder, makeAssignment, makePerson, makeRole, makeRoles, makeTree } from '../../fixtures/access';

/**
 * decide() on a CompiledPerson answers from answers it works out once and
 * keeps (see CompiledPerson). These tests hold one compiled person to the
 * same answers as a plain person, asked again and again: at other times,
 * about other nodes, subjects and permissions, in any order.
 */

const tree = makeTree();
const viewer = makeRole({ id: 'role-viewer', permissions: ['users.view'] });
const editor = makeRole({ id: 'role-editor', permissions: ['users.view', 'users.edit'] });
const cp = makeRole({ id: 'role-cp', permissions: ['safeguarding.child_protection.view', 'children.view'] });
const roles = makeRoles(viewer, editor, cp);

const at = (iso: string) => new Date(iso);
const BEFORE = '2025-03-01T11:59:59.999Z';
const BOUND = '2025-03-01T12:00:00.000Z';
const AFTER = '2025-03-01T12:00:00.001Z';

function ask(person: Person | CompiledPerson, overrides: Partial<DecideInput> = {}) {
  return decide({ tree, roles, person, permission: 'users.view', nodeId: 'north-school', mfa: false, now: NOW, ...overrides });
}

/** Every question about every node (and one outside the tree), asked of the compiled and the plain person alike. */
function expectSameEverywhere(person: Person, compiled: CompiledPerson, overrides: Partial<DecideInput> = {}) {
  for (const nodeId of [...tree.nodes.keys(), 'other-trust-school']) {
    for (const permission of ['users.view', 'users.edit', 'safeguarding.child_protection.view', 'children.view', 'users.fly']) {
      for (const subjectId of [undefined, 'pupil-1', 'pupil-2']) {
        for (const mfa of [false, true]) {
          const question = { nodeId, permission, subjectId, mfa, ...overrides };
          expect(ask(compiled, question), JSON.stringify(question)).toEqual(ask(person, question));
        }
      }
    }
  }
}

describe('decide on a compiled person', () => {
  describe('asked again as time passes', () => {
    it('turns a grant it answered before validUntil into expired once validUntil has passed', () => {
      const grant = makeAssignment({ id: 'a-1', roleId: viewer.id, nodeId: 'north', validUntil: BOUND });
      const compiled = compilePerson(makePerson({ assignments: [grant] }), roles, tree);
      expect(ask(compiled, { now: at(BEFORE) })).toEqual({ allowed: true, reason: 'granted', via: { assignmentId: 'a-1', roleId: viewer.id, nodeId: 'north' } });
      expect(ask(compiled, { now: at(BEFORE) }).reason).toBe('granted');
      expect(ask(compiled, { now: at(BOUND) })).toEqual({ allowed: false, reason: 'expired' });
      expect(ask(compiled, { now: at(AFTER) })).toEqual({ allowed: false, reason: 'expired' });
      expect(ask(compiled, { now: at('2030-01-01T00:00:00.000Z') }).reason).toBe('expired');
    });

    it('grants once a validFrom in the future has passed', () => {
      const grant = makeAssignment({ id: 'a-1', roleId: viewer.id, nodeId: 'north', validFrom: BOUND });
      const compiled = compilePerson(makePerson({ assignments: [grant] }), roles, tree);
      expect(ask(compiled, { now: at(BEFORE) })).toEqual({ allowed: false, reason: 'expired' });
      expect(ask(compiled, { now: at(BOUND) })).toEqual({ allowed: true, reason: 'granted', via: { assignmentId: 'a-1', roleId: viewer.id, nodeId: 'north' } });
      expect(ask(compiled, { now: at(AFTER) }).reason).toBe('granted');
    });

    it('answers for the time asked when the times go backwards too', () => {
      const grant = makeAssignment({ roleId: viewer.id, nodeId: 'north', validFrom: '2025-02-01T00:00:00.000Z', validUntil: '2025-04-01T00:00:00.000Z' });
      const compiled = compilePerson(makePerson({ assignments: [grant] }), roles, tree);
      const times = ['2025-03-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-03-15T00:00:00.000Z', '2025-05-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'];
      expect(times.map((time) => ask(compiled, { now: at(time) }).reason)).toEqual(['granted', 'expired', 'granted', 'expired', 'granted']);
    });

    it('names the next valid assignment once the nearer one has ended, and the nearer one again before that', () => {
      const near = makeAssignment({ id: 'a-near', roleId: viewer.id, nodeId: 'north-school', validUntil: BOUND });
      const far = makeAssignment({ id: 'a-far', roleId: editor.id, nodeId: 'trust', validFrom: '2025-01-01T00:00:00.000Z' });
      const compiled = compilePerson(makePerson({ assignments: [near, far] }), roles, tree);
      expect(ask(compiled, { now: at(BEFORE) }).via?.assignmentId).toBe('a-near');
      expect(ask(compiled, { now: at(BOUND) }).via?.assignmentId).toBe('a-far');
      expect(ask(compiled, { now: at('2024-12-31T23:59:59.999Z') }).via?.assignmentId).toBe('a-near');
      expect(ask(compiled, { now: at(BEFORE), permission: 'users.edit' }).via?.assignmentId).toBe('a-far');
      expect(ask(compiled, { now: at('2024-06-01T00:00:00.000Z'), permission: 'users.edit' }).reason).toBe('expired');
    });

    it('agrees with a plain person at every node, before, at and after every bound', () => {
      const person = makePerson({
        userType: 'parent',
        blocks: [{ subjectId: 'pupil-2', schoolId: 'north-school' }],
        children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }],
        assignments: [
          makeAssignment({ roleId: viewer.id, nodeId: 'north-school', validUntil: BOUND }),
          makeAssignment({ roleId: editor.id, nodeId: 'north', validFrom: AFTER }),
          makeAssignment({ roleId: cp.id, nodeId: 'trust', validFrom: BEFORE, validUntil: AFTER }),
          makeAssignment({ roleId: viewer.id, nodeId: 'south', validUntil: 'not a date' }),
        ],
      });
      const compiled = compilePerson(person, roles, tree);
      for (const time of [AFTER, BEFORE, '2025-01-01T00:00:00.000Z', BOUND, '2026-01-01T00:00:00.000Z', BEFORE]) {
        expectSameEverywhere(person, compiled, { now: at(time) });
      }
    });

    it('answers an invalid date like a plain person: nothing is valid then', () => {
      const person = makePerson({ assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'north' })] });
      const compiled = compilePerson(person, roles, tree);
      expect(ask(compiled, { now: new Date(Number.NaN) })).toEqual({ allowed: false, reason: 'expired' });
      expectSameEverywhere(person, compiled, { now: new Date(Number.NaN) });
      expect(ask(compiled).reason).toBe('granted');
    });
  });

  describe('asked many questions', () => {
    it('returns the very same Decision object for the same grant every time', () => {
      const compiled = compilePerson(holder(viewer.id, 'north'), roles, tree);
      const first = ask(compiled);
      expect(ask(compiled)).toBe(first);
      expect(ask(compiled, { nodeId: 'sub-school' })).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });

    it('keeps the order of the checks: inactive, then unknown node or permission, then blocked', () => {
      const blocked = [{ subjectId: 'pupil-1', schoolId: 'north-school' }];
      const active = compilePerson(holder(viewer.id, 'trust', { blocks: blocked }), roles, tree);
      const locked = compilePerson(holder(viewer.id, 'trust', { status: 'locked', blocks: blocked }), roles, tree);
      for (const compiled of [active, locked]) ask(compiled);
      expect(ask(locked, { nodeId: 'nowhere', permission: 'nope', subjectId: 'pupil-1' }).reason).toBe('inactive');
      expect(ask(active, { nodeId: 'nowhere', subjectId: 'pupil-1' }).reason).toBe('no_grant');
      expect(ask(active, { permission: 'users.fly', subjectId: 'pupil-1' }).reason).toBe('no_grant');
      expect(ask(active, { permission: 'users.edit', subjectId: 'pupil-1' }).reason).toBe('blocked');
      expect(ask(active, { permission: 'users.edit' }).reason).toBe('no_grant');
      expect(ask(active, { subjectId: 'pupil-2' }).reason).toBe('granted');
    });

    it('answers a parent not_linked before mfa_required, and only after a grant', () => {
      const person = holder(cp.id, 'north', { userType: 'parent', children: [{ subjectId: 'pupil-1', schoolId: 'north-school' }] });
      const compiled = compilePerson(person, roles, tree);
      const cpView = { permission: 'safeguarding.child_protection.view' };
      expect(ask(compiled, { ...cpView, subjectId: 'pupil-2' }).reason).toBe('not_linked');
      expect(ask(compiled, { ...cpView, subjectId: 'pupil-1' }).reason).toBe('mfa_required');
      expect(ask(compiled, { ...cpView, subjectId: 'pupil-1', mfa: true }).reason).toBe('granted');
      expect(ask(compiled, { ...cpView }).reason).toBe('mfa_required');
      expect(ask(compiled, { ...cpView, nodeId: 'south-school', subjectId: 'pupil-2' }).reason).toBe('no_grant');
      expectSameEverywhere(person, compiled);
    });

    it('agrees with a plain person when assignments sit at more than four nodes, nested or side by side', () => {
      const person = makePerson({
        assignments: [
          makeAssignment({ roleId: viewer.id, nodeId: 'trust', validUntil: BOUND }),
          makeAssignment({ roleId: editor.id, nodeId: 'north' }),
          makeAssignment({ roleId: cp.id, nodeId: 'north-sub' }),
          makeAssignment({ roleId: viewer.id, nodeId: 'sub-school', validFrom: AFTER }),
          makeAssignment({ roleId: presetIds.schoolAdmin, nodeId: 'south-school' }),
          makeAssignment({ roleId: cp.id, nodeId: 'central-school' }),
          makeAssignment({ roleId: editor.id, nodeId: 'central-school', validUntil: BEFORE }),
        ],
      });
      const compiled = compilePerson(person, roles, tree);
      for (const time of [BEFORE, AFTER, '2024-01-01T00:00:00.000Z']) expectSameEverywhere(person, compiled, { now: at(time) });
    });

    it('answers by walking a tree whose parent pointers loop, like a plain person', () => {
      const node = (id: string, parentId: string | null): OrgNode => ({ id, kind: id === 'root' ? 'trust' : 'cluster', name: id, parentId, version: 1 });
      const looped = buildTree('root', 1, [node('root', null), node('x', 'root'), node('loop-a', 'loop-b'), node('loop-b', 'loop-a')]);
      const person = makePerson({
        assignments: [makeAssignment({ roleId: viewer.id, nodeId: 'loop-a' }), makeAssignment({ roleId: editor.id, nodeId: 'root', validUntil: BOUND })],
      });
      const compiled = compilePerson(person, roles, looped);
      for (const nodeId of ['root', 'x', 'loop-a', 'loop-b', 'nowhere']) {
        for (const permission of ['users.view', 'users.edit']) {
          for (const now of [at(BEFORE), at(AFTER)]) {
            const question = { tree: looped, roles, permission, nodeId, mfa: false, now };
            expect(decide({ ...question, person: compiled }), JSON.stringify(question)).toEqual(decide({ ...question, person }));
          }
        }
      }
      expect(decide({ tree: looped, roles, person: compiled, permission: 'users.view', nodeId: 'loop-b', mfa: false, now: NOW }).reason).toBe('granted');
    });
  });
});
