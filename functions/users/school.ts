import { InvalidInputError } from '../../domain/errors';
import { requireNode, type OrgTree } from '../../domain/org/tree';

/** Blocks and parent links name the school the pupil belongs to: it must be a school of this trust. */
export function requireSchool(tree: OrgTree, schoolId: string): void {
  const node = requireNode(tree, schoolId, 'schoolId');
  if (node.kind !== 'school') {
    throw new InvalidInputError('not_a_school', 'schoolId must name a school', [{ path: 'schoolId', message: 'not a school' }]);
  }
}
