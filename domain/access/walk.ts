import type { OrgTree } from '../org/tree';
import type { CompiledAssignment, CompiledPerson } from './compiled-person';
import { BLOCKED, EXPIRED, INACTIVE, MFA_REQUIRED, NO_GRANT, NOT_LINKED, type Decision } from './model';
import { permissionByCode } from './permissions';
/**
 * A parent's link to a pupil names the school it was made at, and counts only
 * on that school's branch: at the school, at a node above it (a cluster or the
 * trust asking about its pupil), or at a node below it. A parent who also holds
 * the Parent role at another school, where nobody linked them to the pupil,
 * must not read the pupil's records there (issue 7). A link naming a school
 * that is no longer in the tree counts nowhere.
 */
export function linkedOnBranch(person: CompiledPerson, subjectId: string, nodeId: string): boolean {
  const schools = person.children.get(subjectId);
  if (schools === undefined) return false;
  const { tree } = person;
  for (const schoolId of schools) {
    if (tree.nodes.has(schoolId) && (isAtOrAbove(tree, nodeId, schoolId) || isAtOrAbove(tree, schoolId, nodeId))) return true;
  }
  return false;
}

/** Whether `ancestorId` is `nodeId` or on its way up; the step bound stands in for a cycle guard. */
export function isAtOrAbove(tree: OrgTree, ancestorId: string, nodeId: string): boolean {
  let node = tree.nodes.get(nodeId);
  let steps = tree.nodes.size;
  while (node && steps-- > 0) {
    if (node.id === ancestorId) return true;
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  return false;
}

/** "Lowest assignment id" means code-unit order, the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isValidAt(assignment: CompiledAssignment, at: number): boolean {
  return assignment.from <= at && at < assignment.until;
}

/**
 * decide() without the tables: walks parent pointers and does Map/Set
 * look-ups only, O(depth × assignments on the path). `now` is a Date or,
 * once taken from one, its time (the table path hands over an invalid one).
 */
export function walkDecide(
  person: CompiledPerson,
  permission: string,
  nodeId: string,
  subjectId: string | undefined,
  mfa: boolean,
  now: Date | number,
): Decision {
  const { tree } = person;
  if (!person.active) return INACTIVE;
  const def = permissionByCode.get(permission);
  let node = tree.nodes.get(nodeId);
  if (!node || !def) return NO_GRANT;
  if (subjectId !== undefined && person.blocked.has(subjectId)) return BLOCKED;

  const at = typeof now === 'number' ? now : now.getTime();
  let held = false;
  let found: CompiledAssignment | undefined;
  // Walks parent pointers instead of pathToRoot to avoid allocating the path;
  // the step bound stands in for pathToRoot's cycle guard.
  let steps = tree.nodes.size;
  walk: while (node && steps-- > 0) {
    const here = person.byNode.get(node.id);
    if (here) {
      for (const assignment of here) {
        if (!assignment.permissions.has(permission)) continue;
        held = true;
        if (isValidAt(assignment, at)) {
          found = assignment;
          break walk;
        }
      }
    }
    node = node.parentId === null ? undefined : tree.nodes.get(node.parentId);
  }
  if (!found) return held ? EXPIRED : NO_GRANT;
  if ((person.isParent || def.area === 'parents') && subjectId !== undefined && !linkedOnBranch(person, subjectId, nodeId)) return NOT_LINKED;
  if (def.requiresMfa && !mfa) return MFA_REQUIRED;
  return found.granted;
}
