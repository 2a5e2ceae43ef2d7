import { listNodes, subtreeIds, type OrgTree } from '../org/tree';
import { withheldByAdminPolicy, type AdminPolicy } from './admin-policy';
import { CompiledPerson, compiledFor } from './compiled-person';
import type { Person, Via } from './model';
import type { Role } from './roles';
import { splitForMfa, type EffectivePermissions } from './resolve';
import { compareIds, isValidAt } from './walk';
export interface AccessReportAssignment {
  assignmentId: string;
  roleId: string;
  roleName: string | null;
  nodeId: string;
  validFrom?: string;
  validUntil?: string;
  /** How many nodes this assignment covers: its node and everything under it. */
  nodeCount: number;
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
  /** Nodes where the person holds something, in tree order: one page of them. */
  nodes: AccessReportNode[];
  /** The last node of this page when more follow (the next page starts after it), else null. */
  nextAfter: string | null;
}

/** Which part of the report one request reads: a page of nodes in tree order, optionally one node or one code. */
export interface AccessReportPage {
  /** Only this node's entry (and the assignments that cover it). */
  nodeId?: string;
  /** Only this permission code in each node's lists; nodes without it are left out. */
  permission?: string;
  /** Nodes per page. */
  limit: number;
  /** The last node of the previous page (tree order). */
  after?: string;
}

/**
 * GET /users/{id}/access: every effective permission, per assignment and per
 * node, with the assignment it comes from. An admin usually reads someone
 * else's access outside any session of theirs, so `mfa` defaults to the
 * person's own `mfaEnabled`: what they can use once they sign in with their
 * second factor. The trust's `requireMfaForAdmins` applies as in decide
 * (decideUnderPolicy): without 2FA, the administration codes it withholds are
 * listed under `withheldForMfa`, not as usable, so the report agrees with
 * POST /authz/check (`mfa_required`). An inactive person has no effective
 * access, so the report is empty and says so.
 *
 * The nodes come a page at a time, in tree order: a trust admin of a
 * 2,000-node trust holds every code at every node, which in one answer would
 * be megabytes. Only the page's nodes are worked out, so the cost follows the
 * page. Each assignment names how many nodes it covers (`nodeCount`), not
 * their ids, for the same reason.
 */
export function accessReport(input: {
  tree: OrgTree;
  roles: ReadonlyMap<string, Role>;
  person: Person | CompiledPerson;
  /** The trust's policies: `requireMfaForAdmins` withholds administration codes without 2FA. */
  policies: AdminPolicy;
  mfa?: boolean;
  now: Date;
  page?: AccessReportPage;
}): AccessReport {
  const { tree, roles } = input;
  const page = input.page ?? { limit: Infinity };
  const person = compiledFor(input.person, roles, tree);
  const mfa = input.mfa ?? person.person.mfaEnabled;
  const split = (codes: Iterable<string>) => splitUnderPolicy(codes, mfa, input.policies);
  if (!person.active) return { active: false, assignments: [], nodes: [], nextAfter: null };
  const at = input.now.getTime();
  const order = new Map(listNodes(tree).map((node, i) => [node.id, i]));
  const position = (id: string) => order.get(id) ?? Infinity;
  const valid = person.all.filter((assignment) => isValidAt(assignment, at));
  const subtrees = new Map(valid.map(({ assignment }) => [assignment.nodeId, subtreeIds(tree, assignment.nodeId)]));
  const covers = (nodeId: string) => (assignmentNode: string) => subtrees.get(assignmentNode)?.has(nodeId) ?? false;

  const assignments = valid
    .filter(({ assignment }) => page.nodeId === undefined || covers(page.nodeId)(assignment.nodeId))
    .map(({ assignment, permissions }): AccessReportAssignment => {
      return {
        assignmentId: assignment.id,
        roleId: assignment.roleId,
        roleName: roles.get(assignment.roleId)?.name ?? null,
        nodeId: assignment.nodeId,
        ...(assignment.validFrom !== undefined ? { validFrom: assignment.validFrom } : {}),
        ...(assignment.validUntil !== undefined ? { validUntil: assignment.validUntil } : {}),
        nodeCount: subtrees.get(assignment.nodeId)?.size ?? 0,
        ...split(permissions),
      };
    })
    .sort((a, b) => position(a.nodeId) - position(b.nodeId) || compareIds(a.assignmentId, b.assignmentId));

  const covered = page.nodeId !== undefined
    ? (valid.some(({ assignment }) => covers(page.nodeId!)(assignment.nodeId)) ? [page.nodeId] : [])
    : [...new Set([...subtrees.values()].flatMap((ids) => [...ids]))].sort((a, b) => position(a) - position(b));
  const start = page.after === undefined ? 0 : covered.findIndex((id) => position(id) > position(page.after!));
  const nodes: AccessReportNode[] = [];
  let nextAfter: string | null = null;
  const holdsSomething = (entry: AccessReportNode) => entry.permissions.length > 0 || entry.withheldForMfa.length > 0;
  for (let i = start < 0 ? covered.length : start; i < covered.length; i++) {
    if (nodes.length >= page.limit) {
      // A cursor only when a later node has something to show (in memory, so cheap), never for an empty page.
      if (covered.slice(i).some((id) => holdsSomething(nodeEntry(id)))) nextAfter = nodes.at(-1)!.nodeId;
      break;
    }
    const entry = nodeEntry(covered[i]!);
    if (holdsSomething(entry)) nodes.push(entry);
  }
  return { active: true, assignments, nodes, nextAfter };

  function nodeEntry(nodeId: string): AccessReportNode {
    // Nearest assignment first, lowest id within a node: the same `via` decide() names.
    const nearest = new Map<string, Via>();
    let node = tree.nodes.get(nodeId);
    let steps = tree.nodes.size;
    while (node && steps-- > 0) {
      for (const assignment of person.byNode.get(node.id) ?? []) {
        if (!isValidAt(assignment, at)) continue;
        for (const code of assignment.permissions) {
          if (!nearest.has(code) && (page.permission === undefined || code === page.permission)) nearest.set(code, assignment.granted.via!);
        }
      }
      node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
    }
    const codes = split(nearest.keys());
    const withVia = (code: string): AccessReportPermission => ({ code, via: nearest.get(code)! });
    return { nodeId, permissions: codes.permissions.map(withVia), withheldForMfa: codes.withheldForMfa.map(withVia) };
  }
}

/**
 * splitForMfa, then the admin policy: a code `withheldByAdminPolicy` (an
 * administration code under requireMfaForAdmins, without 2FA) moves to
 * `withheldForMfa`, both lists staying in catalogue order.
 */
function splitUnderPolicy(codes: Iterable<string>, mfa: boolean, policies: AdminPolicy): EffectivePermissions {
  const all = [...codes];
  const plain = splitForMfa(all, mfa);
  const withheld = new Set(plain.permissions.filter((code) => withheldByAdminPolicy(policies, mfa, code)));
  if (withheld.size === 0) return plain;
  // splitForMfa with mfa on keeps every known code in catalogue order: filter that one list into the two.
  const ordered = splitForMfa(all, true).permissions;
  const held = new Set([...plain.withheldForMfa, ...withheld]);
  return { permissions: ordered.filter((code) => !held.has(code)), withheldForMfa: ordered.filter((code) => held.has(code)) };
}
