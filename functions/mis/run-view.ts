import type { MisRun } from '../adapters/dynamo/mis-sync-repository';

/** A run as the API shows it: waiting (queued, approved) counts as running. */
export function runView(run: MisRun) {
  const { requestedBy: _by, approvedBy: _approved, actsFor: _actsFor, forUploader: _forUploader, part: _part, planned: _planned, ...rest } = run;
  return { ...rest, status: run.status === 'queued' || run.status === 'approved' ? ('running' as const) : run.status };
}
