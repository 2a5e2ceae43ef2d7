import type { MisRun, RunError } from '../adapters/dynamo/mis-sync-repository';
import type { OutboxEvent } from '../adapters/dynamo/outbox-repository';
import { nowIso } from '../shared/ids';

// How a finished MIS run is told: its error rows, its audit summary, its event. Shared by the worker and the hourly job (no S3, no queue here).

export const bundleError = (code: string, message: string): RunError => ({ sourcedId: null, line: null, code, message });

/** The run's audit record body (`mis.run_<status>`). */
export function runSummary(run: MisRun) {
  const { id, status, dryRun, created, updated, deactivated, reactivated, unchanged, skippedEdited, rosterId, actsFor } = run;
  return { runId: id, status, dryRun, rosterId, ...(actsFor ? { actsFor } : {}), created, updated, deactivated, reactivated, unchanged, skippedEdited, errors: run.errors.length + run.errorsOmitted };
}

/**
 * A run given up as `failed` with one `run_error` row, whatever it had
 * reached: its counts kept, its listed rows counted in `errorsOmitted`.
 */
export function givenUp(run: MisRun, message: string): MisRun {
  return { ...run, status: 'failed', finishedAt: nowIso(), errorsOmitted: run.errors.length + run.errorsOmitted, errors: [bundleError('run_error', message)] };
}

/**
 * The run's summary as a `mis_sync` event at the school (its org.manage
 * holders are emailed per their preferences), written with the run's final
 * save (the outbox): a run is announced exactly when it is stored finished
 * or held, once per status.
 */
export function runEvent(run: MisRun): OutboxEvent {
  const errors = run.errors.length + run.errorsOmitted;
  const title = run.status === 'held'
    ? 'MIS sync held: too many leavers, approve to apply'
    : run.status === 'failed' ? 'MIS sync failed' : `MIS sync${run.dryRun ? ' (dry run)' : ''}: ${run.created} new, ${run.updated} updated, ${run.deactivated} deactivated`;
  return {
    category: 'mis_sync', nodeId: run.nodeId, title,
    summary: `${run.created} created, ${run.updated} updated, ${run.deactivated} deactivated, ${run.reactivated} reactivated, ${run.unchanged} unchanged, ${run.skippedEdited} kept as edited by hand, ${errors} errors`,
    link: `/mis/runs/${run.id}`, key: `mis-run:${run.id}:${run.status}`, senderId: 'mis-sync',
  };
}
