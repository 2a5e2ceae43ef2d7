import type { OrgTree } from '../org/tree';
/**
 * A tree's nodes in preorder, following the parent pointers decide() walks,
 * so the subtree of the node at position p is the range [p, end[p]). The
 * positions are also cut into BUCKETS runs of about equal length, and a
 * node's slot is position * 32 + bucket: one look-up gives both.
 */
export interface TreeLayout {
  readonly slots: ReadonlyMap<string, number>;
  readonly end: readonly number[];
  readonly bucket: readonly number[];
}

/** 30 buckets, so a set of them fits in a small integer on every platform. */
export const BUCKETS = 30;

/** Per tree object (trees are never mutated in place); null when its parent pointers do not make a forest. */
const layouts = new WeakMap<OrgTree, TreeLayout | null>();

export function layoutOf(tree: OrgTree): TreeLayout | null {
  let layout = layouts.get(tree);
  if (layout === undefined) {
    layout = buildLayout(tree);
    layouts.set(tree, layout);
  }
  return layout;
}

/**
 * null for a tree decide() must walk node by node: a parent cycle (its nodes
 * are reached from no root) or a node stored under another id than its own.
 */
function buildLayout(tree: OrgTree): TreeLayout | null {
  const kids = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [id, node] of tree.nodes) {
    if (node.id !== id) return null;
    // The walk stops at a null parent and at a parent missing from the tree alike.
    if (node.parentId !== null && tree.nodes.has(node.parentId)) {
      const siblings = kids.get(node.parentId);
      if (siblings) siblings.push(id);
      else kids.set(node.parentId, [id]);
    } else roots.push(id);
  }
  // Depth first, a node before its children, so every subtree is one run.
  const order: string[] = [];
  for (const root of roots) {
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      order.push(id);
      const children = kids.get(id);
      if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  if (order.length !== tree.nodes.size) return null;
  const position = new Map(order.map((id, at) => [id, at]));
  // Subtree sizes, children before their parent.
  const size = order.map(() => 1);
  for (let at = order.length - 1; at >= 0; at--) {
    const { parentId } = tree.nodes.get(order[at]!)!;
    const parent = parentId === null ? undefined : position.get(parentId);
    if (parent !== undefined) size[parent]! += size[at]!;
  }
  const bucket = order.map((_, at) => Math.floor((at * BUCKETS) / order.length));
  return {
    slots: new Map(order.map((id, at) => [id, at * 32 + bucket[at]!])),
    end: size.map((count, at) => at + count),
    bucket,
  };
}
