import { subtreeIds, type OrgTree } from '../org/tree';
import type { Role } from './roles';
import { permissionByCode } from './permissions';
import { compiledFor, type CompiledPerson, type Person } from './resolve';

/**
 * The nodes where a caller holds one permission. It is a Set of node ids that
 * also remembers its trust's root, because people who belong nowhere are
 * visible only to holders of the permission at the root (see canSee).
 */
export class Reach extends Set<string> {
  constructor(
    readonly rootId: string,
    nodes?: Iterable<string>,
  ) {
    super(nodes);
  }
}

/**
 * Every node where the caller holds `permission` now: the subtrees of their
 * valid assignments whose role carries it. This is exactly the set of nodes
 * where decide() (asked without a subject) answers granted, so a list cut to
 * the reach never shows what a single check would refuse.
 */
export function reachOf(input: {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  person: Person | CompiledPerson;
  permission: string;
  mfa: boolean;
  now: Date;
}): Reach {
  const { tree, permission } = input;
  const reach = new Reach(tree.rootId);
  const person = compiledFor(input.person, input.roles, tree);
  const def = permissionByCode.get(permission);
  if (!person.active || !def || (def.requiresMfa && !input.mfa)) return reach;
  const at = input.now.getTime();
  for (const assignment of person.all) {
    if (!assignment.permissions.has(permission)) continue;
    if (!(assignment.from <= at && at < assignment.until)) continue;
    // A subtree already inside the reach adds nothing; skip the walk.
    if (reach.has(assignment.assignment.nodeId)) continue;
    for (const id of subtreeIds(tree, assignment.assignment.nodeId)) reach.add(id);
  }
  return reach;
}

/** Where someone is placed: the nodes of their memberships and role assignments. */
export interface VisibleTarget {
  memberships: readonly { nodeId: string }[];
  assignments: readonly { nodeId: string }[];
}

/**
 * Whether a person falls inside the reach: any of their membership or
 * assignment nodes is in it. Expired assignments still place a person (they
 * are part of the record an admin manages). A person placed nowhere (a
 * fresh account, a central team member with no role yet) is visible only to
 * holders of the permission at the trust root, so nobody lower down can see
 * or claim them.
 */
export function canSee(reach: Reach, target: VisibleTarget): boolean {
  if (target.memberships.length === 0 && target.assignments.length === 0) return reach.has(reach.rootId);
  return (
    target.memberships.some((membership) => reach.has(membership.nodeId)) ||
    target.assignments.some((assignment) => reach.has(assignment.nodeId))
  );
}
