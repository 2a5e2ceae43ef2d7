import { ConflictError, InvalidInputError, NotFoundError } from '../errors';

export type NodeKind = 'trust' | 'cluster' | 'school';

export interface OrgNode {
  id: string;
  kind: NodeKind;
  name: string;
  parentId: string | null;
  label?: string;
  version: number;
}

/** A trust's whole tree, indexed for the walks every decision needs. */
export interface OrgTree {
  rootId: string;
  version: number;
  nodes: ReadonlyMap<string, OrgNode>;
  children: ReadonlyMap<string, readonly string[]>;
}

export function buildTree(rootId: string, version: number, nodes: Iterable<OrgNode>): OrgTree {
  const byId = new Map<string, OrgNode>();
  const children = new Map<string, string[]>();
  for (const node of nodes) {
    byId.set(node.id, node);
    if (node.parentId) {
      const siblings = children.get(node.parentId) ?? [];
      siblings.push(node.id);
      children.set(node.parentId, siblings);
    }
  }
  return { rootId, version, nodes: byId, children };
}

export function getNode(tree: OrgTree, id: string): OrgNode {
  const node = tree.nodes.get(id);
  if (!node) throw new NotFoundError('Node');
  return node;
}

/** The node and every ancestor up to the root, nearest first. */
export function pathToRoot(tree: OrgTree, id: string): OrgNode[] {
  const path: OrgNode[] = [];
  const seen = new Set<string>();
  let current = tree.nodes.get(id);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    path.push(current);
    current = current.parentId ? tree.nodes.get(current.parentId) : undefined;
  }
  return path;
}

/** The node and everything under it. */
export function subtreeIds(tree: OrgTree, id: string): Set<string> {
  const out = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (out.has(next) || !tree.nodes.has(next)) continue;
    out.add(next);
    stack.push(...(tree.children.get(next) ?? []));
  }
  return out;
}

/** Nodes in a stable order: parents before children, siblings by name. */
export function listNodes(tree: OrgTree): OrgNode[] {
  const out: OrgNode[] = [];
  const visit = (id: string) => {
    const node = tree.nodes.get(id);
    if (!node) return;
    out.push(node);
    const kids = [...(tree.children.get(id) ?? [])]
      .map((childId) => tree.nodes.get(childId)!)
      .sort((a, b) => a.name.localeCompare(b.name));
    kids.forEach((kid) => visit(kid.id));
  };
  visit(tree.rootId);
  return out;
}

export interface NewNodeInput {
  kind: Exclude<NodeKind, 'trust'>;
  name: string;
  parentId: string;
  label?: string;
}

export interface NodePatch {
  name?: string;
  parentId?: string;
  label?: string | null;
}

/** A node named in a request body must exist in the caller's trust (400 naming the field). */
export function requireNode(tree: OrgTree, id: string, field: string): OrgNode {
  const node = tree.nodes.get(id);
  if (!node) {
    throw new InvalidInputError(field === 'parentId' ? 'unknown_parent' : 'unknown_node', 'The node does not exist in this trust', [
      { path: field, message: 'no such node' },
    ]);
  }
  return node;
}

function assertCanParent(tree: OrgTree, parentId: string, field: string): OrgNode {
  const parent = requireNode(tree, parentId, field);
  if (parent.kind === 'school') {
    throw new InvalidInputError('school_cannot_have_children', 'A school cannot have children', [
      { path: field, message: 'a school cannot have children' },
    ]);
  }
  return parent;
}

function assertNameFree(tree: OrgTree, parentId: string, name: string, exceptId?: string): void {
  const taken = (tree.children.get(parentId) ?? []).some((id) => {
    const sibling = tree.nodes.get(id);
    return id !== exceptId && sibling?.name.toLocaleLowerCase() === name.toLocaleLowerCase();
  });
  if (taken) throw new ConflictError('name_taken', 'Another node under the same parent has this name');
}

/** Rules for a new node: a real, non-school parent and a name unique among its siblings. */
export function planCreateNode(tree: OrgTree, input: NewNodeInput, id: string): OrgNode {
  assertCanParent(tree, input.parentId, 'parentId');
  assertNameFree(tree, input.parentId, input.name);
  return {
    id,
    kind: input.kind,
    name: input.name,
    parentId: input.parentId,
    ...(input.label ? { label: input.label } : {}),
    version: 1,
  };
}

/**
 * Rules for an edit. A move only rewrites the node's parentId: its whole
 * subtree follows because every node points at its parent. A move under the
 * node itself or one of its descendants would cut the subtree off the root.
 */
export function planUpdateNode(tree: OrgTree, id: string, patch: NodePatch): OrgNode {
  const node = getNode(tree, id);
  const parentId = patch.parentId ?? node.parentId;
  if (patch.parentId !== undefined && patch.parentId !== node.parentId) {
    if (node.kind === 'trust') {
      throw new InvalidInputError('root_cannot_move', 'The trust is the root and cannot move', [
        { path: 'parentId', message: 'the trust has no parent' },
      ]);
    }
    assertCanParent(tree, patch.parentId, 'parentId');
    if (subtreeIds(tree, id).has(patch.parentId)) {
      throw new ConflictError('cycle', 'A node cannot move under itself or one of its descendants');
    }
  }
  const name = patch.name ?? node.name;
  if (parentId && (name !== node.name || parentId !== node.parentId)) assertNameFree(tree, parentId, name, id);
  const { label: _oldLabel, ...rest } = node;
  const label = patch.label === undefined ? node.label : (patch.label ?? undefined);
  return { ...rest, name, parentId, ...(label ? { label } : {}), version: node.version + 1 };
}

/**
 * The nodes a move puts above `id` that are not above it today: the new
 * parent's path to the root minus the current path. People holding roles at
 * these nodes gain reach over the moved subtree.
 */
export function gainedAncestors(tree: OrgTree, id: string, newParentId: string): string[] {
  const current = new Set(pathToRoot(tree, id).map((node) => node.id));
  return pathToRoot(tree, newParentId)
    .map((node) => node.id)
    .filter((nodeId) => !current.has(nodeId));
}

/** Rules for a delete: never the root, never a node with children (members are checked by the store). */
export function planDeleteNode(tree: OrgTree, id: string): OrgNode {
  const node = getNode(tree, id);
  if (node.kind === 'trust') throw new ConflictError('root_node', 'The trust node cannot be deleted');
  if ((tree.children.get(id) ?? []).length > 0) {
    throw new ConflictError('not_empty', 'Move or delete the nodes under this one first');
  }
  return node;
}
