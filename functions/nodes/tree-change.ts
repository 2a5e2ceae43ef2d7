import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, VersionConflictError } from '../../domain/errors';
import type { OrgNode, OrgTree } from '../../domain/org/tree';
import type { Trust } from '../../domain/org/trust';
import {
  getTrust, loadTrustContext, NodeHoldersChangedError, NodeWriteConflictError, TreeVersionChangedError, writeTreeChange, type NodeHoldersSeen, type NodeWrite, type TrustContext,
} from '../adapters/dynamo/trust-repository';
import { callerOn, type Caller } from '../http/caller';
import { newId, nowIso } from '../shared/ids';
import { retryOnConflict } from '../shared/retry';

export interface TreePlan {
  write: NodeWrite;
  before: OrgNode | null;
  after: OrgNode | null;
  nodeId: string;
  /** Nodes whose holders the plan relied on (a move's gained ancestors). */
  seen?: NodeHoldersSeen[];
}

/**
 * Plans a tree change against the current tree and stores it with its audit
 * record. If another change landed in between, the plan is made again on the
 * new tree, so every rule is checked against the tree the change lands on
 * (and against the holders it lands over, for a move). The plan gets the
 * caller judged on that very tree (callerOn): its `authorize` calls must use
 * it, not the request's caller, whose tree is the one of the request's start
 * (review I, I6).
 */
export async function changeTree(
  caller: Caller,
  action: string,
  plan: (tree: OrgTree, context: TrustContext, caller: Caller) => TreePlan | Promise<TreePlan>,
): Promise<OrgNode | null> {
  let trust: Trust = caller.trust;
  return retryOnConflict(
    async () => {
      const context = await loadTrustContext(trust);
      const { write, before, after, nodeId, seen } = await plan(context.tree, context, callerOn(caller, trust, context));
      const audit = auditRecord({
        id: newId(), at: nowIso(), actorId: caller.account.id, action,
        targetType: 'node', targetId: write.node.id, nodeId, before, after,
      });
      try {
        await writeTreeChange(trust, write, audit, seen);
      } catch (error) {
        if (error instanceof NodeWriteConflictError) {
          if (write.type === 'update') throw new VersionConflictError();
          if (write.type === 'delete') throw new ConflictError('not_empty', 'People still belong to this node or hold roles here');
        }
        throw error;
      }
      return after;
    },
    async (error) => {
      if (!(error instanceof TreeVersionChangedError || error instanceof NodeHoldersChangedError)) throw error;
      trust = (await getTrust(trust.id)) ?? trust;
    },
    'The tree is busy; try again',
  );
}
