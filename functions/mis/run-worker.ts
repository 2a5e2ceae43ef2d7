import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { auditRecord } from '../../domain/audit/audit-record';
import { DomainError } from '../../domain/errors';
import { readRoster, RosterBundleError } from '../../domain/mis/oneroster';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { claimRun, getRosterRef, getRun, MAX_RUN_ERRORS, saveRun, type MisRun, type RunError } from '../adapters/dynamo/mis-sync-repository';
import { getTrust } from '../adapters/dynamo/trust-repository';
import { loadRoster } from '../adapters/files/roster-store';
import { callerOf, type Caller } from '../http/caller';
import { logger } from '../http/logger';
import { raiseEvent } from '../notifications/raise';
import { newId, nowIso } from '../shared/ids';
import { applyChange, changeError, planSchool, type Outcome } from './sync';

/**
 * One school's sync run, from the `mis-runs` queue (`{ trustId, nodeId,
 * runId, approve? }`): the settings, the latest roster, the school's MIS
 * people, the plan; then, unless a dry run or held, each person's change in
 * the plan's order, each all or nothing, for the person the run acts for
 * (`actorOf`: the starter, the approver, or the roster's uploader) with
 * every guard passing for them AND for whoever saved the settings (both
 * with their rights as they are now; the saver's are the upper bound). The run is
 * claimed (queued → running) before anything is applied, so a message
 * delivered twice runs once; a second run of the same roster plans nothing.
 */
export interface RunMessage {
  trustId: string;
  nodeId: string;
  runId: string;
  /** Apply a held run (POST /mis/runs/{runId}/approve). */
  approve?: boolean;
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await runSync(JSON.parse(record.body) as RunMessage, Number(record.attributes?.ApproximateReceiveCount ?? 1) > 1);
    } catch (error) {
      logger.error('MIS run failed', { error, messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

const bundleError = (code: string, message: string): RunError => ({ sourcedId: null, line: null, code, message });

/**
 * `redelivered`: SQS delivers the message again only once the first delivery's
 * function is gone (the visibility timeout is six times the function's), so a
 * run left `running` by a crash or a timeout is taken up again: planning
 * afresh from the people as they are now, whatever the first attempt applied
 * counts as unchanged.
 */
export async function runSync(message: RunMessage, redelivered = false): Promise<void> {
  const { trustId, nodeId, runId } = message;
  const from: ('queued' | 'approved' | 'running')[] = [message.approve ? 'approved' : 'queued', ...(redelivered ? (['running'] as const) : [])];
  if (!(await claimRun(trustId, nodeId, runId, from, 'running'))) return; // another delivery has it, or it is over
  const current = (await getRun(trustId, runId))!;
  const finish = async (fields: Partial<MisRun>) => {
    const finished: MisRun = { ...current, ...fields, finishedAt: fields.status === 'held' ? null : nowIso() };
    if (finished.errors.length > MAX_RUN_ERRORS) {
      finished.errorsOmitted += finished.errors.length - MAX_RUN_ERRORS;
      finished.errors = finished.errors.slice(0, MAX_RUN_ERRORS);
    }
    const audit = auditRecord({
      id: newId(), at: nowIso(), actorId: finished.actsFor ?? current.approvedBy ?? current.requestedBy, action: `mis.run_${finished.status}`, targetType: 'node', targetId: nodeId, nodeId,
      after: summaryOf(finished),
    });
    await saveRun(trustId, finished, audit);
    await notify(trustId, finished).catch((error: unknown) => logger.error('could not raise the MIS run event', { error, runId }));
  };
  const settings = await getMisSettings(trustId, nodeId);
  if (!settings) return finish({ status: 'failed', errors: [bundleError('no_settings', 'The school has no MIS settings')] });
  const ref = await getRosterRef(trustId, nodeId);
  const zip = ref && (await loadRoster(trustId, nodeId, ref.rosterId));
  if (!ref || !zip) return finish({ status: 'failed', errors: [bundleError('no_roster', 'No roster has been uploaded for this school')] });
  current.rosterId = ref.rosterId;
  let roster;
  try {
    roster = readRoster(zip);
  } catch (error) {
    if (error instanceof RosterBundleError) return finish({ status: 'failed', errors: [bundleError('invalid_bundle', error.message)] });
    throw error;
  }
  let caller: Caller;
  let saver: Caller;
  try {
    saver = await callerOf(trustId, settings.updatedBy, false);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return finish({ status: 'failed', errors: [bundleError('saver_cannot_act', 'Whoever saved the MIS settings can no longer act; save them again')] });
  }
  current.actsFor = actorOf(current, message, ref) ?? settings.updatedBy;
  try {
    caller = current.actsFor === saver.account.id ? saver : await callerOf(trustId, current.actsFor, false);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return finish({ status: 'failed', errors: [bundleError('actor_cannot_act', 'Whoever started, approved or uploaded the roster for this run can no longer act')] });
  }
  const { plan, school } = await planSchool(trustId, settings, roster, new Date());
  const errors: RunError[] = plan.errors.map((e) => ({ sourcedId: e.sourcedId ?? null, line: e.line ?? null, code: e.code, message: e.message }));
  const counts = { created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: plan.unchanged, skippedEdited: plan.skippedEdited };
  const planned = () => {
    for (const change of plan.changes) counts[outcomeOf(change.kind, change.status)] += 1;
  };
  if (plan.held && !message.approve) {
    planned();
    return finish({ status: 'held', ...counts, errors });
  }
  if (current.dryRun) {
    planned();
    return finish({ status: 'done', ...counts, errors });
  }
  for (const change of plan.changes) {
    try {
      const outcome: Outcome = await applyChange(caller, settings, change, school.links, runId, [saver]);
      counts[outcome] += 1;
    } catch (error) {
      errors.push(changeError(change, error));
    }
  }
  return finish({ status: 'done', ...counts, errors });
}

/**
 * Whom a run acts for: the approver of a held run, the roster's uploader for
 * a run queued for them (the nightly job; none for a roster a connector
 * dropped in the bucket: then the saver alone), else whoever started it.
 */
function actorOf(run: MisRun, message: RunMessage, ref: { uploadedBy?: string }): string | undefined {
  if (message.approve) return run.approvedBy;
  if (run.forUploader) return ref.uploadedBy;
  return run.requestedBy;
}

function outcomeOf(kind: string, status: string | undefined): Exclude<Outcome, 'unchanged'> {
  if (kind === 'create') return 'created';
  if (status === 'deactivate') return 'deactivated';
  if (status === 'activate') return 'reactivated';
  return 'updated';
}

function summaryOf(run: MisRun) {
  const { id, status, dryRun, created, updated, deactivated, reactivated, unchanged, skippedEdited, rosterId, actsFor } = run;
  return { runId: id, status, dryRun, rosterId, ...(actsFor ? { actsFor } : {}), created, updated, deactivated, reactivated, unchanged, skippedEdited, errors: run.errors.length + run.errorsOmitted };
}

/** The run's summary as a `mis_sync` event at the school: its org.manage holders are emailed per their preferences. */
async function notify(trustId: string, run: MisRun) {
  const trust = await getTrust(trustId);
  if (!trust) return;
  const errors = run.errors.length + run.errorsOmitted;
  const title = run.status === 'held'
    ? 'MIS sync held: too many leavers, approve to apply'
    : run.status === 'failed' ? 'MIS sync failed' : `MIS sync${run.dryRun ? ' (dry run)' : ''}: ${run.created} new, ${run.updated} updated, ${run.deactivated} deactivated`;
  await raiseEvent(trust, {
    category: 'mis_sync', nodeId: run.nodeId, title,
    summary: `${run.created} created, ${run.updated} updated, ${run.deactivated} deactivated, ${run.reactivated} reactivated, ${run.unchanged} unchanged, ${run.skippedEdited} kept as edited by hand, ${errors} errors`,
    link: `/mis/runs/${run.id}`, occurredAt: nowIso(), idempotencyKey: `service:mis-run:${run.id}:${run.status}`, sender: { type: 'service', id: 'mis-sync' },
  });
}
