import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, NotFoundError } from '../../domain/errors';
import { claimRun, getRun, saveRun } from '../adapters/dynamo/mis-sync-repository';
import { enqueue } from '../adapters/sqs/job-queue';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { authorize } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { runIdParamsSchema } from './mis.schema';

/**
 * POST /mis/runs/{runId}/approve: applies a held run (org.manage at its
 * school). The worker plans again from the same roster and the people as they
 * are now, and applies that plan even though it takes many away; the run
 * then acts for the approver, every guard passing for them and for the
 * settings' saver.
 */
export const handler = userHandler({ params: runIdParamsSchema }, async ({ caller, params }) => {
  const run = await getRun(caller.trust.id, params.runId);
  if (!run) throw new NotFoundError('MIS run');
  try {
    authorize(caller, 'users.view', run.nodeId);
  } catch {
    throw new NotFoundError('MIS run');
  }
  authorize(caller, 'org.manage', run.nodeId);
  if (!(await claimRun(caller.trust.id, run.nodeId, run.id, ['held'], 'approved', { approvedBy: caller.account.id }))) {
    throw new ConflictError('not_held', 'Only a held run can be approved');
  }
  const at = nowIso();
  await saveRun(caller.trust.id, { ...run, status: 'approved', approvedBy: caller.account.id }, auditRecord({
    id: newId(), at, actorId: caller.account.id, action: 'mis.run_approved', targetType: 'node', targetId: run.nodeId, nodeId: run.nodeId, after: { runId: run.id },
  }));
  await enqueue('mis-runs', { trustId: caller.trust.id, nodeId: run.nodeId, runId: run.id, approve: true });
  return json(202, { runId: run.id });
});
