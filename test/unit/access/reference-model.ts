/**
 * A deliberately naive model of the access rules, written from the spec and
 * sharing no code with domain/access: it scans every assignment, finds
 * ancestry by walking parent pointers through a plain array, and compares
 * ISO times as strings (the generated times share one format). The property
 * tests hold the real engine to it.
 */
import { permissionCatalogue } from '../../../domain/access/permissions';
import type { Decision, Person } from '../../../domain/access/resolve';
import type { Role } from '../../../domain/access/roles';
import type { OrgNode } from '../../../domain/org/tree';

export interface World {
  nodes: OrgNode[];
  roles: Role[];
}

export interface Question {
  permission: string;
  nodeId: string;
  subjectId?: string;
  mfa: boolean;
  now: string;
}

/** Steps from nodeId up to ancestorId, or undefined when ancestorId is not on the way up. */
export function stepsUp(world: World, ancestorId: string, nodeId: string): number | undefined {
  let current: string | null = nodeId;
  let steps = 0;
  while (current !== null && steps <= world.nodes.length) {
    if (current === ancestorId) return steps;
    const node = world.nodes.find((n) => n.id === current);
    current = node ? node.parentId : null;
    steps += 1;
  }
  return undefined;
}

export function nodesUnder(world: World, ancestorId: string): string[] {
  return world.nodes.filter((n) => stepsUp(world, ancestorId, n.id) !== undefined).map((n) => n.id);
}

export function validNow(a: { validFrom?: string; validUntil?: string }, now: string): boolean {
  return (a.validFrom === undefined || a.validFrom <= now) && (a.validUntil === undefined || now < a.validUntil);
}

function roleCarries(world: World, roleId: string, permission: string): boolean {
  const role = world.roles.find((r) => r.id === roleId);
  return role !== undefined && role.permissions.includes(permission);
}

/** A link counts at its school, above it and below it; a link at a school no longer in the tree counts nowhere. */
function linkedOnBranch(world: World, person: Person, subjectId: string, nodeId: string): boolean {
  return person.children.some(
    (c) =>
      c.subjectId === subjectId &&
      world.nodes.some((n) => n.id === c.schoolId) &&
      (stepsUp(world, nodeId, c.schoolId) !== undefined || stepsUp(world, c.schoolId, nodeId) !== undefined),
  );
}

export function referenceDecide(world: World, person: Person, q: Question): Decision {
  if (person.status !== 'active') return { allowed: false, reason: 'inactive' };
  const def = permissionCatalogue.find((d) => d.code === q.permission);
  if (!world.nodes.some((n) => n.id === q.nodeId) || !def) return { allowed: false, reason: 'no_grant' };
  if (q.subjectId !== undefined && person.blocks.some((b) => b.subjectId === q.subjectId)) return { allowed: false, reason: 'blocked' };
  const holding = person.assignments.filter(
    (a) => stepsUp(world, a.nodeId, q.nodeId) !== undefined && roleCarries(world, a.roleId, q.permission),
  );
  if (holding.length === 0) return { allowed: false, reason: 'no_grant' };
  const valid = holding.filter((a) => validNow(a, q.now));
  if (valid.length === 0) return { allowed: false, reason: 'expired' };
  if ((person.userType === 'parent' || def.area === 'parents') && q.subjectId !== undefined && !linkedOnBranch(world, person, q.subjectId, q.nodeId)) {
    return { allowed: false, reason: 'not_linked' };
  }
  if (def.requiresMfa && !q.mfa) return { allowed: false, reason: 'mfa_required' };
  let best = valid[0]!;
  for (const a of valid) {
    const d = stepsUp(world, a.nodeId, q.nodeId)!;
    const bestD = stepsUp(world, best.nodeId, q.nodeId)!;
    if (d < bestD || (d === bestD && a.id < best.id)) best = a;
  }
  return { allowed: true, reason: 'granted', via: { assignmentId: best.id, roleId: best.roleId, nodeId: best.nodeId } };
}

export function referenceHolds(world: World, person: Person, permission: string, nodeId: string, mfa: boolean, now: string): boolean {
  return referenceDecide(world, person, { permission, nodeId, mfa, now }).allowed;
}

/** The ids a role lists as assignable, directly or through the roles it lists (a fixpoint, one or more steps). */
export function referenceListed(world: World, roleId: string): Set<string> {
  const listed = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of [roleId, ...listed]) {
      for (const next of world.roles.find((r) => r.id === id)?.assignableRoles ?? []) {
        if (world.roles.some((r) => r.id === next) && !listed.has(next)) {
          listed.add(next);
          grew = true;
        }
      }
    }
  }
  return listed;
}

/** Whether a valid assignment at or above the node has a role that lists roleId as assignable (directly or through a listed role). */
export function referenceMayAssignVia(world: World, person: Person, roleId: string, nodeId: string, now: string): boolean {
  return (
    person.status === 'active' &&
    person.assignments.some((a) => validNow(a, now) && stepsUp(world, a.nodeId, nodeId) !== undefined && referenceListed(world, a.roleId).has(roleId))
  );
}
