import { beforeAll, describe, expect, it } from 'vitest';
import { failUnmovedRun, listUnmovedRuns } from '../../functions/adapters/dynamo/mis-open-runs';
import { claimRun, createRun, getRun, newRunId, type MisRun } from '../../functions/adapters/dynamo/mis-sync-repository';
import { handler as misSyncJob } from '../../functions/mis/mis-sync-job';
import { STUCK_RUN_AFTER_MS } from '../../functions/mis/run-limits';
import { auditRecord } from '../../domain/audit/audit-record';
import { call } from '../fixtures/api';
import { makeTrust, type TestTrust } from '../fixtures/trust';
import { sweepOutbox } from '../fixtures/notifications';

/**
 * Review D, D9: a run whose last delivery ends in a Lambda timeout runs no
 * catch and used to stay `running` for good. The hourly mis-sync job fails
 * every run of a trust that has not moved (made, claimed, approved) for
 * STUCK_RUN_AFTER_MS, found through the sparse open-runs keys on gsi1; on
 * DynamoDB Local, through the job's handler (this trust only, `trustIds`).
 */
let trust: TestTrust;
let school: string;

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
});

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
/** A run as the worker leaves it: some people applied and two error rows so far, made (or last moved) at `startedAt`. */
const runOf = (status: MisRun['status'], startedAt: string, fields: Partial<MisRun> = {}): MisRun => ({
  id: newRunId(new Date(startedAt)), nodeId: school, status, dryRun: false, requestedBy: trust.adminId, startedAt, finishedAt: null, rosterId: 'roster-1',
  created: 3, updated: 1, deactivated: 0, reactivated: 0, unchanged: 7, skippedEdited: 0, errorsOmitted: 0,
  errors: [{ sourcedId: 's1', line: 2, code: 'invalid_value', message: 'bad' }, { sourcedId: 's2', line: 3, code: 'invalid_value', message: 'bad' }],
  ...fields,
});
const made = async (run: MisRun) => {
  await createRun(trust.trustId, run);
  return run;
};
const job = () => misSyncJob({ time: new Date().toISOString(), trustIds: [trust.trustId] });
const runAudit = async (runId: string) =>
  (await call('GET', `/audit?targetId=${school}&limit=200`, { token: trust.token })).body.items
    .filter((r: any) => r.action.startsWith('mis.run_') && r.after?.runId === runId).map((r: any) => r.action);
// The failed run's event is written with the failure (the outbox); the notify sweep raises it.
const told = async (runId: string) =>
  (await sweepOutbox(), await call('GET', '/me/notifications', { token: trust.token })).body.items.filter((n: any) => n.category === 'mis_sync' && n.link === `/mis/runs/${runId}`);

describe('the hourly mis-sync job and runs that stopped moving', () => {
  it('fails a run left running (and one left queued) past the bound, audited and announced; leaves fresh, claimed and finished runs alone; a second job changes nothing', async () => {
    const stale = STUCK_RUN_AFTER_MS + 10 * 60_000;
    const running = await made(runOf('running', ago(stale), { part: 2, actsFor: trust.adminId }));
    const queued = await made(runOf('queued', ago(stale), { errors: [], created: 0, updated: 0, unchanged: 0 }));
    // Old, but claimed by a delivery a moment ago: a claim is a move.
    const claimed = await made(runOf('queued', ago(stale)));
    expect(await claimRun(trust.trustId, school, claimed.id, ['queued'], 'running')).toBe(true);
    // Running for a while, within the bound (SQS may still redeliver it).
    const fresh = await made(runOf('running', ago(STUCK_RUN_AFTER_MS - 30 * 60_000)));
    // Finished long ago: never in the open runs.
    const done = await made(runOf('done', ago(stale), { finishedAt: ago(stale) }));

    const first = await job();
    expect(first.stuck).toBe(2);

    const failed = await getRun(trust.trustId, running.id);
    expect(failed).toMatchObject({
      status: 'failed', created: 3, updated: 1, unchanged: 7, part: 2, errorsOmitted: 2, finishedAt: expect.any(String),
      errors: [expect.objectContaining({ code: 'run_error', sourcedId: null, line: null })],
    });
    expect(await getRun(trust.trustId, queued.id)).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'run_error' })] });
    for (const id of [claimed.id, fresh.id]) expect((await getRun(trust.trustId, id))!.status).toBe('running');
    expect(await getRun(trust.trustId, done.id)).toMatchObject({ status: 'done', errors: done.errors });
    // Shown failed over the API, audited once, and announced to the school's org.manage holders.
    expect((await call('GET', `/mis/runs/${running.id}`, { token: trust.token })).body).toMatchObject({ status: 'failed', finishedAt: expect.any(String) });
    expect(await runAudit(running.id)).toEqual(['mis.run_failed']);
    expect(await runAudit(queued.id)).toEqual(['mis.run_failed']);
    expect(await told(running.id)).toEqual([expect.objectContaining({ title: 'MIS sync failed' })]);

    // Re-run: nothing more is failed, audited or announced.
    const snapshot = await Promise.all([running, queued, claimed, fresh, done].map((r) => getRun(trust.trustId, r.id)));
    expect((await job()).stuck).toBe(0);
    expect(await Promise.all([running, queued, claimed, fresh, done].map((r) => getRun(trust.trustId, r.id)))).toEqual(snapshot);
    expect(await runAudit(running.id)).toEqual(['mis.run_failed']);
    expect(await told(running.id)).toHaveLength(1);
  });

  it('two jobs at once fail a stuck run once', async () => {
    const run = await made(runOf('approved', ago(STUCK_RUN_AFTER_MS + HOUR), { approvedBy: trust.adminId }));
    const results = await Promise.all([job(), job(), job()]);
    expect(results.reduce((sum, r) => sum + r.stuck, 0)).toBe(1);
    expect(await getRun(trust.trustId, run.id)).toMatchObject({ status: 'failed', approvedBy: trust.adminId });
    expect(await runAudit(run.id)).toEqual(['mis.run_failed']);
  });

  it('never fails a run that moved after it was found (a redelivery claimed it meanwhile)', async () => {
    const run = await made(runOf('running', ago(STUCK_RUN_AFTER_MS + HOUR)));
    const found = (await listUnmovedRuns(trust.trustId, ago(STUCK_RUN_AFTER_MS), 50)).runs.find((r) => r.runId === run.id);
    expect(found).toBeDefined();
    // SQS redelivers the message: the run is taken up again before the job writes.
    expect(await claimRun(trust.trustId, school, run.id, ['running'], 'running')).toBe(true);
    const audit = auditRecord({ id: newRunId(), at: new Date().toISOString(), actorId: trust.adminId, action: 'mis.run_failed', targetType: 'node', targetId: school, nodeId: school });
    expect(await failUnmovedRun(trust.trustId, { ...run, status: 'failed' }, { status: 'running', moved: found!.moved }, audit)).toBe(false);
    expect(await getRun(trust.trustId, run.id)).toMatchObject({ status: 'running', part: 1 });
    expect((await job()).stuck).toBe(0);
    expect(await runAudit(run.id)).toEqual([]);
  });
});
