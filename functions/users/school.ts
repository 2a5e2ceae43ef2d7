import { InvalidInputError } from '../../domain/errors';
import { requireNode, type OrgTree } from '../../domain/org/tree';

/** Blocks and parent links name the school the pupil belongs to: it must be a school of this trust. */
export function requireSchool(tree: OrgTree, schoolId: string): void {
  const node = requireNode(tree, schoolId, 'schoolId');
  if (node.kind !== 'school') {
    throw new InvalidInputError('not_a_school', 'schoolId must name a school', [{ path: 'schoolId', message: 'not a school' }]);
  }
}

/**
 * The node whose holders govern a block or a parent link made at `schoolId`:
 * that school, or the trust root once the school has been deleted (the block
 * still denies and must stay listable and liftable by someone; GET /audit
 * reads a deleted school's block reasons the same way).
 */
export function governingNode(tree: OrgTree, schoolId: string): string {
  return tree.nodes.has(schoolId) ? schoolId : tree.rootId;
}
