import type { OrgTree } from '../org/tree';
import { EXPIRED, NO_GRANT, type Assignment, type Decision, type Person } from './model';
import { catalogueIndex, permissionCatalogue } from './permissions';
import type { Role } from './roles';
import { compareIds, isValidAt } from './walk';

/**
 * The precomputed answers a compiled person (domain/access/compiled-person.ts)
 * gives from: its assignments compiled against the tree and roles, how an
 * anchor's table is built, how a table that is one answer
 * is folded into bits, and which anchor a position falls to when a person has
 * more than four. Pure functions of their arguments; the caching and the
 * windows of time stay with CompiledPerson.
 */

/**
 * What a compiled person answers at the nodes of one path, indexed by
 * catalogue index: the granting Decision, EXPIRED (held on the path but by no
 * valid assignment) or NO_GRANT. Built for one window of time (see
 * CompiledPerson).
 */
export type AnswerTable = readonly Decision[];

const CATALOGUE_SIZE = permissionCatalogue.length;

export interface CompiledAssignment {
  readonly assignment: Assignment;
  /**
   * Window bounds in epoch ms. A bound that does not parse becomes NaN, and
   * every comparison with NaN is false, so a malformed window grants nothing
   * (fail closed) instead of granting for ever.
   */
  readonly from: number;
  readonly until: number;
  readonly permissions: ReadonlySet<string>;
  /** Catalogue indexes of those permissions (retired codes left out: they grant nothing). */
  readonly indexes: readonly number[];
  /** The answer this assignment gives when it is the one that grants, built once. */
  readonly granted: Decision;
}

/**
 * A person's assignments compiled against one tree and role map: by node
 * (lowest id first, so the first valid one met at a node is the tie-break
 * winner), each with its role's permissions as a Set and catalogue indexes;
 * and every finite bound, the only instants at which validity changes.
 */
export function compileAssignments(person: Person, roles: ReadonlyMap<string, Role>, tree: OrgTree): {
  byNode: ReadonlyMap<string, readonly CompiledAssignment[]>; all: readonly CompiledAssignment[]; bounds: readonly number[];
} {
  const roleSets = new Map<string, { permissions: ReadonlySet<string>; indexes: readonly number[] }>();
  const byNode = new Map<string, CompiledAssignment[]>();
  const all: CompiledAssignment[] = [];
  const bounds: number[] = [];
  const sorted = [...person.assignments].sort((a, b) => compareIds(a.id, b.id));
  for (const assignment of sorted) {
    // Assignments at nodes outside this tree (another trust, a deleted node) can never lie on a path.
    if (!tree.nodes.has(assignment.nodeId)) continue;
    let role = roleSets.get(assignment.roleId);
    if (!role) {
      // A role that no longer exists grants nothing.
      const permissions = new Set(roles.get(assignment.roleId)?.permissions ?? []);
      const indexes: number[] = [];
      for (const code of permissions) {
        const index = catalogueIndex.get(code);
        if (index !== undefined) indexes.push(index);
      }
      role = { permissions, indexes };
      roleSets.set(assignment.roleId, role);
    }
    const from = assignment.validFrom === undefined ? -Infinity : Date.parse(assignment.validFrom);
    const until = assignment.validUntil === undefined ? Infinity : Date.parse(assignment.validUntil);
    // NaN (never valid) and ±Infinity (no bound) never change validity.
    if (Number.isFinite(from)) bounds.push(from);
    if (Number.isFinite(until)) bounds.push(until);
    const compiled: CompiledAssignment = {
      assignment,
      from,
      until,
      permissions: role.permissions,
      indexes: role.indexes,
      granted: Object.freeze({
        allowed: true,
        reason: 'granted' as const,
        via: Object.freeze({ assignmentId: assignment.id, roleId: assignment.roleId, nodeId: assignment.nodeId }),
      }),
    };
    all.push(compiled);
    const here = byNode.get(assignment.nodeId);
    if (here) here.push(compiled);
    else byNode.set(assignment.nodeId, [compiled]);
  }
  return { byNode, all, bounds };
}

/**
 * The walk decide() would do, for every permission at once, from `nodeId` up:
 * nearest node first, lowest assignment id first within a node (the order of
 * `byNode`); the first valid assignment carrying a code grants it, and a code
 * carried only by assignments that are not valid is expired.
 */
export function buildAnswerTable(tree: OrgTree, byNode: ReadonlyMap<string, readonly CompiledAssignment[]>, nodeId: string, at: number): AnswerTable {
  const table = new Array<Decision>(CATALOGUE_SIZE).fill(NO_GRANT);
  let node = tree.nodes.get(nodeId);
  let steps = tree.nodes.size;
  while (node && steps-- > 0) {
    const here = byNode.get(node.id);
    if (here) {
      for (const assignment of here) {
        const valid = isValidAt(assignment, at);
        for (const index of assignment.indexes) {
          if (valid) {
            if (!table[index]!.allowed) table[index] = assignment.granted;
          } else if (table[index] === NO_GRANT) table[index] = EXPIRED;
        }
      }
    }
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  return table;
}

/**
 * Whether a table is a single answer besides no_grant, and at which indexes
 * (bits of `low` for 0-31, `high` for 32-63): `single` is that answer, NO_GRANT
 * for an empty table, undefined when the table holds two answers or one past
 * index 63 (then the table itself must be kept).
 */
export function singleAnswerOf(table: AnswerTable): { single: Decision | undefined; low: number; high: number } {
  let single: Decision | undefined = NO_GRANT;
  let low = 0;
  let high = 0;
  for (let index = 0; index < table.length; index++) {
    const answer = table[index]!;
    if (answer === NO_GRANT) continue;
    if (single === NO_GRANT) single = answer;
    if (answer !== single || index >= 64) return { single: undefined, low, high };
    if (index < 32) low |= 1 << index;
    else high |= 1 << (index - 32);
  }
  return { single, low, high };
}

/**
 * For a person with more than four anchors, the anchor that answers in each
 * range of positions: pairs [start, anchor, start, anchor, ...] sorted by
 * start, the first starting at 0; a position takes the anchor of the last
 * start at or before it, -1 for none.
 */
export type Segments = readonly number[];

/** The anchor of a position (-1: none), from the last segment starting at or before it. */
export function segmentAnchor(segments: Segments, position: number): number {
  let low = 0;
  let high = (segments.length >> 1) - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (segments[mid << 1]! <= position) low = mid;
    else high = mid - 1;
  }
  return segments[(low << 1) + 1]!;
}
