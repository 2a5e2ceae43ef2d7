import { listNodes, subtreeIds, type OrgTree } from '../org/tree';
import { CompiledPerson, compiledFor } from './compiled-person';
import type { Person, Via } from './model';
import type { Role } from './roles';
import { splitForMfa } from './resolve';
import { compareIds, isValidAt } from './walk';
export interface AccessReportAssignment {
  assignmentId: string;
  roleId: string;
  roleName: string | null;
  nodeId: string;
  validFrom?: string;
  validUntil?: string;
  /** The nodes this assignment covers: its node and everything under it, parents first. */
  nodes: string[];
  permissions: string[];
  withheldForMfa: string[];
}

export interface AccessReportPermission {
  code: string;
  /** The assignment decide() would name for this code at this node. */
  via: Via;
}

export interface AccessReportNode {
  nodeId: string;
  permissions: AccessReportPermission[];
  withheldForMfa: AccessReportPermission[];
}

export interface AccessReport {
  active: boolean;
  /** Valid assignments only, in tree order. */
  assignments: AccessReportAssignment[];
  /** Every node where the person holds something, in tree order. */
  nodes: AccessReportNode[];
}

/**
 * GET /users/{id}/access: every effective permission, per assignment and per
 * node, with the assignment it comes from. An admin usually reads someone
 * else's access outside any session of theirs, so `mfa` defaults to the
 * person's own `mfaEnabled`: what they can use once they sign in with their
 * second factor. An inactive person has no effective access, so the report is
 * empty and says so.
 */
export function accessReport(input: {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  person: Person | CompiledPerson;
  mfa?: boolean;
  now: Date;
}): AccessReport {
  const { tree, roles } = input;
  const person = compiledFor(input.person, roles, tree);
  const mfa = input.mfa ?? person.person.mfaEnabled;
  if (!person.active) return { active: false, assignments: [], nodes: [] };
  const at = input.now.getTime();
  const order = new Map(listNodes(tree).map((node, i) => [node.id, i]));
  const position = (id: string) => order.get(id) ?? Infinity;
  const valid = person.all.filter((assignment) => isValidAt(assignment, at));

  const assignments = valid
    .map(({ assignment, permissions }): AccessReportAssignment => {
      const split = splitForMfa(permissions, mfa);
      return {
        assignmentId: assignment.id,
        roleId: assignment.roleId,
        roleName: roles.get(assignment.roleId)?.name ?? null,
        nodeId: assignment.nodeId,
        ...(assignment.validFrom !== undefined ? { validFrom: assignment.validFrom } : {}),
        ...(assignment.validUntil !== undefined ? { validUntil: assignment.validUntil } : {}),
        nodes: [...subtreeIds(tree, assignment.nodeId)].sort((a, b) => position(a) - position(b)),
        ...split,
      };
    })
    .sort((a, b) => position(a.nodeId) - position(b.nodeId) || compareIds(a.assignmentId, b.assignmentId));

  const covered = new Set(assignments.flatMap((entry) => entry.nodes));
  const nodes: AccessReportNode[] = [...covered]
    .sort((a, b) => position(a) - position(b))
    .map((nodeId) => {
      // Nearest assignment first, lowest id within a node: the same `via` decide() names.
      const nearest = new Map<string, Via>();
      let node = tree.nodes.get(nodeId);
      let steps = tree.nodes.size;
      while (node && steps-- > 0) {
        for (const assignment of person.byNode.get(node.id) ?? []) {
          if (!isValidAt(assignment, at)) continue;
          for (const code of assignment.permissions) {
            if (!nearest.has(code)) nearest.set(code, assignment.granted.via!);
          }
        }
        node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
      }
      const split = splitForMfa(nearest.keys(), mfa);
      const withVia = (code: string): AccessReportPermission => ({ code, via: nearest.get(code)! });
      return { nodeId, permissions: split.permissions.map(withVia), withheldForMfa: split.withheldForMfa.map(withVia) };
    })
    .filter((entry) => entry.permissions.length > 0 || entry.withheldForMfa.length > 0);

  return { active: true, assignments, nodes };
}
