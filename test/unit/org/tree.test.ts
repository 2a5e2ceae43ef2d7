import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../domain/errors';
import { buildTree, listNodes, pathToRoot, planCreateNode, planDeleteNode, planUpdateNode, subtreeIds, type OrgNode } from '../../../domain/org/tree';

const node = (id: string, kind: OrgNode['kind'], parentId: string | null, name = id): OrgNode => ({ id, kind, name, parentId, version: 1 });

/** trust > north (> north-sub > sub-school), north-school; south > south-school */
const sample = () =>
  buildTree('trust', 1, [
    node('trust', 'trust', null),
    node('north', 'cluster', 'trust'),
    node('north-sub', 'cluster', 'north'),
    node('sub-school', 'school', 'north-sub'),
    node('north-school', 'school', 'north'),
    node('south', 'cluster', 'trust'),
    node('south-school', 'school', 'south'),
  ]);

describe('org tree walks', () => {
  it('walks from a node to the root, nearest first', () => {
    expect(pathToRoot(sample(), 'sub-school').map((n) => n.id)).toEqual(['sub-school', 'north-sub', 'north', 'trust']);
  });

  it('collects a node and everything under it', () => {
    expect([...subtreeIds(sample(), 'north')].sort()).toEqual(['north', 'north-school', 'north-sub', 'sub-school']);
  });

  it('lists parents before children and siblings by name', () => {
    expect(listNodes(sample()).map((n) => n.id)).toEqual(['trust', 'north', 'north-school', 'north-sub', 'sub-school', 'south', 'south-school']);
  });
});

describe('planCreateNode', () => {
  it('creates a node at version 1 under a cluster', () => {
    expect(planCreateNode(sample(), { kind: 'school', name: 'New', parentId: 'south' }, 'new')).toEqual({
      id: 'new', kind: 'school', name: 'New', parentId: 'south', version: 1,
    });
  });

  it('refuses a school as parent, naming parentId', () => {
    const attempt = () => planCreateNode(sample(), { kind: 'school', name: 'X', parentId: 'south-school' }, 'x');
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'school_cannot_have_children', errors: [expect.objectContaining({ path: 'parentId' })] }));
  });

  it('refuses an unknown parent', () => {
    expect(() => planCreateNode(sample(), { kind: 'cluster', name: 'X', parentId: 'nowhere' }, 'x')).toThrow(expect.objectContaining({ code: 'unknown_parent' }));
  });

  it('refuses a sibling name in any case', () => {
    expect(() => planCreateNode(sample(), { kind: 'school', name: 'SOUTH-SCHOOL', parentId: 'south' }, 'x')).toThrow(ConflictError);
  });
});

describe('planUpdateNode', () => {
  it('moves a cluster under another cluster and bumps its version', () => {
    expect(planUpdateNode(sample(), 'north-sub', { parentId: 'south' })).toMatchObject({ parentId: 'south', version: 2 });
  });

  it('refuses a move under the node itself or a descendant with cycle', () => {
    for (const target of ['north', 'north-sub']) {
      expect(() => planUpdateNode(sample(), 'north', { parentId: target })).toThrow(expect.objectContaining({ code: 'cycle' }));
    }
  });

  it('refuses to move the trust', () => {
    expect(() => planUpdateNode(sample(), 'trust', { parentId: 'south' })).toThrow(expect.objectContaining({ code: 'root_cannot_move' }));
  });

  it('clears a label with null and keeps it when absent', () => {
    const tree = buildTree('trust', 1, [node('trust', 'trust', null), { ...node('s', 'school', 'trust'), label: 'Nursery' }]);
    expect(planUpdateNode(tree, 's', { name: 'S2' }).label).toBe('Nursery');
    expect(planUpdateNode(tree, 's', { label: null }).label).toBeUndefined();
  });

  it('answers not found for an unknown node', () => {
    expect(() => planUpdateNode(sample(), 'ghost', { name: 'x' })).toThrow(NotFoundError);
  });
});

describe('planDeleteNode', () => {
  it('deletes a leaf', () => {
    expect(planDeleteNode(sample(), 'south-school').id).toBe('south-school');
  });

  it('refuses a node with children and the root', () => {
    expect(() => planDeleteNode(sample(), 'north')).toThrow(expect.objectContaining({ code: 'not_empty' }));
    expect(() => planDeleteNode(sample(), 'trust')).toThrow(expect.objectContaining({ code: 'root_node' }));
  });
});

describe('any sequence of accepted moves', () => {
  it('keeps every node reachable from the root (no cycles, no orphans)', () => {
    const ids = ['north', 'north-sub', 'sub-school', 'north-school', 'south', 'south-school'];
    const targets = ['trust', ...ids];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...targets)), { maxLength: 30 }), (moves) => {
        let tree = sample();
        for (const [id, parentId] of moves) {
          try {
            const moved = planUpdateNode(tree, id, { parentId });
            tree = buildTree('trust', tree.version + 1, [...[...tree.nodes.values()].filter((n) => n.id !== id), moved]);
          } catch (error) {
            if (!(error instanceof ConflictError || error instanceof InvalidInputError)) throw error;
          }
        }
        for (const id of ids) expect(pathToRoot(tree, id).at(-1)!.id).toBe('trust');
        for (const school of [...tree.nodes.values()].filter((n) => n.kind === 'school')) {
          expect(tree.children.get(school.id) ?? []).toEqual([]);
        }
      }),
    );
  });
});
