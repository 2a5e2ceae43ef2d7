import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, DomainError } from '../../domain/errors';
import { readRoster, RosterBundleError } from '../../domain/mis/oneroster';
import { boundErrors } from '../../domain/mis/run-errors';
import { getMisSettings } from '../adapters/dynamo/mis-repository';
import { claimRun, getRosterRef, getRun, keepPlanned, saveRun, type LinkOutcome, type MisRun, type RunError, type RunSeen } from '../adapters/dynamo/mis-sync-repository';
import { getRosterUpload, ROSTER_BUCKET_ACTOR } from '../adapters/dynamo/roster-uploads';
import { enqueue } from '../adapters/sqs/job-queue';
import { loadRoster } from '../adapters/files/roster-store';
import { CallerChangedError, callerOf, type Caller } from '../http/caller';
import { logger } from '../http/logger';
import { newId, nowIso } from '../shared/ids';
import { MAX_DELIVERIES, MAX_RUN_PARTS, STOP_MARGIN_MS } from './run-limits';
import { bundleError, givenUp, runEvent, runSummary as summaryOf } from './run-outcome';
import { outboxItems } from '../shared/account-security';
import { applyChange, changeError, planSchool, type Applied, type Outcome } from './sync';

export { MAX_RUN_PARTS, STOP_MARGIN_MS } from './run-limits';

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
 *
 * A long run stops between two people when the invocation has less than
 * STOP_MARGIN_MS left and queues the rest as a continuation (`part`); each
 * part plans afresh, so what earlier parts applied is unchanged, and the
 * counts come from the links each applied change wrote in its own
 * transaction (`runId`, `outcome`): a run resumed after an interruption
 * counts every person once.
 */
export interface RunMessage {
  trustId: string;
  nodeId: string;
  runId: string;
  /** Apply a held run (POST /mis/runs/{runId}/approve). */
  approve?: boolean;
  /** A continuation: the run's `part` when the previous part stopped (a duplicate of it then claims nothing). */
  part?: number;
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const shouldStop = context ? () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS : undefined;
  for (const record of event.Records) {
    const deliveries = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    try {
      await runSync(JSON.parse(record.body) as RunMessage, deliveries > 1, shouldStop);
    } catch (error) {
      logger.error('MIS run failed', { error, messageId: record.messageId });
      failures.push({ itemIdentifier: record.messageId });
      // The last delivery: the message goes to the dead letters, so the run is recorded failed rather than left running.
      if (deliveries >= MAX_DELIVERIES) {
        await failStuckRun(JSON.parse(record.body) as RunMessage).catch((e: unknown) => logger.error('could not record the MIS run failed', { error: e, messageId: record.messageId }));
      }
    }
  }
  return { batchItemFailures: failures };
}

/**
 * A run whose last delivery threw: `failed` (`run_error`), audited and
 * announced, whatever it had reached. A delivery that ends in a timeout runs
 * no catch: the hourly mis-sync job fails such a run once it stops moving
 * (stuck-runs.ts).
 */
async function failStuckRun({ trustId, runId }: RunMessage): Promise<void> {
  const run = await getRun(trustId, runId);
  if (!run || !['queued', 'approved', 'running'].includes(run.status)) return;
  // Failed only while it is still as read: the stuck-run sweep may have failed it meanwhile.
  await saveFinished(trustId, givenUp(run, `The run stopped on an unexpected error in each of its ${MAX_DELIVERIES} attempts; nothing more is tried (the logs say why)`), run.approvedBy ?? run.requestedBy, { status: run.status, part: run.part });
}

/**
 * `redelivered`: SQS delivers the message again only once the first delivery's
 * function is gone (the visibility timeout is six times the function's), so a
 * run left `running` by a crash or a timeout is taken up again: planning
 * afresh from the people as they are now, whatever the first attempt applied
 * is unchanged, and counted from the links it wrote. `shouldStop` is asked
 * before each person after the first of a part.
 */
export async function runSync(message: RunMessage, redelivered = false, shouldStop?: () => boolean): Promise<void> {
  const { trustId, nodeId, runId } = message;
  const continuing = message.part !== undefined;
  const from: ('queued' | 'approved' | 'running')[] = continuing
    ? ['running']
    : [message.approve ? 'approved' : 'queued', ...(redelivered ? (['running'] as const) : [])];
  // A continuation claims only the part it continues (a duplicate message finds the part moved on); redelivered, it takes the run whatever part it is at.
  if (!(await claimRun(trustId, nodeId, runId, from, 'running', {}, continuing && !redelivered ? message.part : undefined))) return;
  const current = (await getRun(trustId, runId))!;
  const finish = async (fields: Partial<MisRun>) => {
    const finished: MisRun = { ...current, ...fields, finishedAt: fields.status === 'held' ? null : nowIso() };
    Object.assign(finished, boundErrors(finished.errors, finished.errorsOmitted));
    // Only while the run is still this delivery's (running, at the part it claimed): not over a run the sweep has failed since (review G, G7).
    await saveFinished(trustId, finished, current.approvedBy ?? current.requestedBy, { status: 'running', part: current.part });
  };
  const settings = await getMisSettings(trustId, nodeId);
  if (!settings) return finish({ status: 'failed', errors: [bundleError('no_settings', 'The school has no MIS settings')] });
  // A run made for a roster (a file dropped in the bucket, a held run's roster, an earlier part's) keeps it; any other takes the school's latest.
  const rosterId = current.rosterId ?? (await getRosterRef(trustId, nodeId))?.rosterId;
  const zip = rosterId && (await loadRoster(trustId, nodeId, rosterId));
  if (!rosterId || !zip) return finish({ status: 'failed', errors: [bundleError('no_roster', rosterId ? 'The roster is no longer stored (rosters are kept 30 days)' : 'No roster has been uploaded for this school')] });
  current.rosterId = rosterId;
  let roster;
  try {
    roster = readRoster(zip);
  } catch (error) {
    if (error instanceof RosterBundleError) return finish({ status: 'failed', errors: [bundleError('invalid_bundle', error.message)] });
    throw error;
  }
  current.actsFor = actorOf(current, message, current.forUploader ? await uploaderOf(trustId, nodeId, rosterId) : undefined) ?? settings.updatedBy;
  let callers = await runCallers(trustId, settings.updatedBy, current.actsFor);
  if ('cannotAct' in callers) return finish({ status: 'failed', errors: [callers.cannotAct] });
  const { plan, school } = await planSchool(trustId, settings, roster, new Date());
  const errors: RunError[] = plan.errors.map((e) => ({ sourcedId: e.sourcedId ?? null, line: e.line ?? null, code: e.code, message: e.message }));
  const counts = { created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: plan.unchanged, skippedEdited: plan.skippedEdited };
  const planned = () => {
    for (const change of plan.changes) counts[outcomeOf(change.kind, change.status)] += 1;
  };
  // A run that has begun applying is not held half way (its first part's plan was not held, or was approved).
  if (plan.held && !message.approve && !current.planned) {
    planned();
    return finish({ status: 'held', ...counts, errors });
  }
  if (current.dryRun) {
    planned();
    return finish({ status: 'done', ...counts, errors });
  }
  // What earlier parts of this run applied: each such person's link names this run and what it did to them.
  const earlier = new Map<string, LinkOutcome>();
  for (const link of school.links.values()) if (link.runId === runId && link.outcome) earlier.set(link.userId, link.outcome);
  for (const outcome of earlier.values()) counts[outcome] += 1;
  if (current.planned) {
    // This roster against the people as the first applying part found them; the people earlier parts applied now plan as unchanged.
    counts.unchanged = current.planned.unchanged;
    counts.skippedEdited = current.planned.skippedEdited;
  } else {
    await keepPlanned(trustId, nodeId, runId, { unchanged: plan.unchanged, skippedEdited: plan.skippedEdited }, rosterId);
  }
  for (const [i, change] of plan.changes.entries()) {
    if (i > 0 && shouldStop?.()) {
      const part = current.part ?? 1;
      if (part >= MAX_RUN_PARTS) {
        return finish({ status: 'failed', ...counts, errors: [bundleError('run_too_long', `The run did not finish in ${MAX_RUN_PARTS} parts; run it again to go on`), ...errors] });
      }
      // The rest in a new message; this part's error rows are left to the next part, which tries those people again.
      await enqueue('mis-runs', { trustId, nodeId, runId, ...(message.approve ? { approve: true } : {}), part } satisfies RunMessage);
      logger.info('MIS run continues in a new part', { runId, part, applied: i, left: plan.changes.length - i });
      return;
    }
    try {
      let applied: Applied | undefined;
      for (let tries = 1; applied === undefined; tries++) {
        try {
          applied = await applyChange(callers.caller, settings, change, school.links, runId, [callers.saver]);
        } catch (error) {
          // The actor or the saver changed since this part resolved them (deactivated, a role taken, 2FA reset): resolve both
          // again; the run stops when either can no longer act, else this person is judged again on their rights as they are now.
          if (!(error instanceof CallerChangedError)) throw error;
          if (tries >= RESOLVE_ATTEMPTS) throw new ConflictError('concurrent_change', 'The accounts this run acts for kept changing while this person was applied; the next run tries again');
          callers = await runCallers(trustId, settings.updatedBy, current.actsFor);
          if ('cannotAct' in callers) return finish({ status: 'failed', ...counts, errors: [callers.cannotAct, ...errors] });
        }
      }
      const { outcome, skippedEdited } = applied;
      const before = change.userId === undefined ? undefined : earlier.get(change.userId);
      if (before) {
        counts[before] -= 1;
        earlier.delete(change.userId!);
      }
      counts[outcome] += 1;
      if (skippedEdited) counts.skippedEdited += 1;
    } catch (error) {
      errors.push(changeError(change, error));
    }
  }
  return finish({ status: 'done', ...counts, errors });
}

/** Times one person is tried again with the run's callers resolved anew before the row reads `concurrent_change`. */
const RESOLVE_ATTEMPTS = 3;

/**
 * The saver and the actor of a run, as they are now (callerOf: active, with
 * their roles now), or the error row that fails the run: at the start of a
 * part, and again whenever a person's write found either changed since.
 */
async function runCallers(trustId: string, saverId: string, actorId: string): Promise<{ caller: Caller; saver: Caller } | { cannotAct: RunError }> {
  let saver: Caller;
  try {
    saver = await callerOf(trustId, saverId);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { cannotAct: bundleError('saver_cannot_act', 'Whoever saved the MIS settings can no longer act; save them again') };
  }
  try {
    return { saver, caller: actorId === saver.account.id ? saver : await callerOf(trustId, actorId) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { cannotAct: bundleError('actor_cannot_act', 'Whoever started, approved or uploaded the roster for this run can no longer act') };
  }
}

/**
 * Stores a finished run with its audit record and its event, only while the
 * run is still as the delivery `seen` it (review G, G7): a run that has moved
 * meanwhile (the stuck-run sweep failed it, another delivery took it) is
 * already finished by someone else, so nothing is written (no second event or
 * audit record), it is logged and undefined returned, and nothing is thrown
 * (SQS would deliver the message again for nothing). A run the table refuses
 * (an item over 400 KB, any ValidationException: retrying cannot help) is
 * stored `failed` instead, on the same condition, with its counts, the reason
 * as its one error row and its rows counted in `errorsOmitted`, so it is never
 * left `running` (and a held run never silently lost). Anything else is
 * thrown: SQS delivers the message again.
 */
export async function saveFinished(trustId: string, run: MisRun, fallbackActor: string, seen: RunSeen): Promise<MisRun | undefined> {
  const audited = (r: MisRun) => auditRecord({
    id: newId(), at: nowIso(), actorId: r.actsFor ?? fallbackActor, action: `mis.run_${r.status}`, targetType: 'node', targetId: r.nodeId, nodeId: r.nodeId,
    after: summaryOf(r),
  });
  // The run's mis_sync event is stored with it (the outbox): announced exactly when it is saved, as what it was saved as.
  const announced = (r: MisRun) => outboxItems(trustId, [runEvent(r)]);
  const superseded = () => {
    logger.warn('an MIS run had moved before its delivery finished (failed by the stuck-run sweep, or taken by another delivery): its outcome is not stored', { runId: run.id, status: run.status, seen });
    return undefined;
  };
  try {
    return (await saveRun(trustId, run, audited(run), announced(run), seen)) ? run : superseded();
  } catch (error) {
    if ((error as { name?: string }).name !== 'ValidationException') throw error;
    logger.error('an MIS run could not be stored as it is; stored failed', { error, runId: run.id, status: run.status, errors: run.errors.length });
    const failed: MisRun = {
      ...run, status: 'failed', finishedAt: run.finishedAt ?? nowIso(),
      errors: [bundleError('run_not_saved', `The run (${run.status}${run.dryRun ? ', dry run' : ''}) could not be stored as it was: ${run.errors.length + run.errorsOmitted} error rows are counted, not listed; the counts are what it did`)],
      errorsOmitted: run.errors.length + run.errorsOmitted,
    };
    return (await saveRun(trustId, failed, audited(failed), announced(failed), seen)) ? failed : superseded();
  }
}

/**
 * Whom a run acts for: the approver of a held run, the roster's uploader for
 * a run queued for them (the nightly job; none for a roster a connector
 * dropped in the bucket: then the saver alone), else whoever started it.
 */
function actorOf(run: MisRun, message: RunMessage, uploadedBy: string | undefined): string | undefined {
  if (message.approve) return run.approvedBy;
  if (run.forUploader) return uploadedBy;
  return run.requestedBy;
}

/**
 * The person who uploaded the roster a run reads: the API's uploader; a file
 * dropped in the roster bucket has none (the run then acts for the saver
 * alone). Rosters stored before upload records existed: the school's roster
 * reference, when it is that roster.
 */
async function uploaderOf(trustId: string, nodeId: string, rosterId: string): Promise<string | undefined> {
  const upload = await getRosterUpload(trustId, nodeId, rosterId);
  if (upload) return upload.source === 'api' ? upload.uploadedBy : undefined;
  const ref = await getRosterRef(trustId, nodeId);
  return ref?.rosterId === rosterId && ref.uploadedBy !== ROSTER_BUCKET_ACTOR ? ref.uploadedBy : undefined;
}

function outcomeOf(kind: string, status: string | undefined): Exclude<Outcome, 'unchanged'> {
  if (kind === 'create') return 'created';
  if (status === 'deactivate') return 'deactivated';
  if (status === 'activate') return 'reactivated';
  return 'updated';
}
