import { membershipDiff } from '../../domain/access/memberships';
import type { Membership } from '../../domain/access/resolve';
import type { PersonOp } from '../adapters/dynamo/person-writes';

/** Store operations that turn one membership list into another. */
export function membershipOps(before: readonly Membership[], after: readonly Membership[], now: string, since: ReadonlyMap<string, string>): PersonOp[] {
  const { added, changed, removed } = membershipDiff(before, after);
  return [
    ...added.map((membership): PersonOp => ({ type: 'putMembership', membership, createdAt: now, isNew: true })),
    ...changed.map((membership): PersonOp => ({ type: 'putMembership', membership, createdAt: since.get(membership.nodeId) || now, isNew: false })),
    ...removed.map((m): PersonOp => ({ type: 'deleteMembership', nodeId: m.nodeId })),
  ];
}
