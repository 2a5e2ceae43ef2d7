import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { getRun, putRosterRef } from '../../functions/adapters/dynamo/mis-sync-repository';
import { saveRoster } from '../../functions/adapters/files/roster-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { handler, type RunMessage } from '../../functions/mis/run-worker';
import { queueRun } from '../../functions/mis/run-queue';
import { STUCK_RUN_AFTER_MS } from '../../functions/mis/run-limits';
import { failStuckRuns } from '../../functions/mis/stuck-runs';
import { call } from '../fixtures/api';
import { saveMisSettings, sqsRecord } from '../fixtures/mis';
import { sweepOutbox } from '../fixtures/notifications';
import { generatedRoster, onerosterBundle } from '../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * Review G, G7: a delivery thought dead (it stopped moving for
 * STUCK_RUN_AFTER_MS: clock skew, a visibility timeout raised without the
 * bound) that does finish after the hourly sweep failed its run must not
 * overwrite `failed` with its own outcome nor announce the run a second time.
 * On DynamoDB Local, through the worker's SQS handler: while the delivery is
 * planning (the run claimed, `running`), the sweep runs as it would
 * STUCK_RUN_AFTER_MS later and fails it; then the delivery finishes.
 */
const hooks = vi.hoisted(() => ({ whilePlanning: undefined as undefined | (() => Promise<void>) }));

vi.mock('../../functions/mis/sync', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/mis/sync')>();
  return {
    ...real,
    planSchool: async (...args: Parameters<typeof real.planSchool>) => {
      await hooks.whilePlanning?.();
      return real.planSchool(...args);
    },
  };
});

process.env.MIS_ROSTER_DIR = mkdtempSync(join(tmpdir(), 'mis-late-save-'));
process.env.MIS_RUN_QUEUE_URL = 'local:mis-runs';
const sent: { queue: string; body: RunMessage }[] = [];
(globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = { send: (queue, body) => void sent.push({ queue, body: JSON.parse(body) as RunMessage }) };

let trust: TestTrust;
let school: string;
const ORG = 'org-late-save';

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  await saveMisSettings(trust.trustId, school, trust.adminId, { orgSourcedId: ORG, enabled: false });
  const at = new Date().toISOString();
  await saveRoster(trust.trustId, school, 'roster-1', onerosterBundle({ org: { sourcedId: ORG, name: 'North School' }, people: generatedRoster(3, { prefix: 'late', domain: 'mis-late-save.example' }) }));
  await putRosterRef(trust.trustId, school, { rosterId: 'roster-1', uploadedBy: trust.adminId, uploadedAt: at, bytes: 1 }, auditRecord({
    id: 'roster-1', at, actorId: trust.adminId, action: 'mis.roster_uploaded', targetType: 'node', targetId: school, nodeId: school,
  }));
});

const runAudit = async (runId: string) =>
  (await call('GET', `/audit?targetId=${school}&limit=200`, { token: trust.token })).body.items
    .filter((r: any) => r.action.startsWith('mis.run_') && r.after?.runId === runId).map((r: any) => r.action);
// Every mis_sync event of the run reaches the trust admin (org.manage at the root) once the notify sweep has raised it.
const told = async (runId: string) =>
  (await sweepOutbox(), await call('GET', '/me/notifications?limit=200', { token: trust.token })).body.items.filter((n: any) => n.category === 'mis_sync' && n.link === `/mis/runs/${runId}`);

describe('a late delivery of a run the stuck-run sweep has failed (review G, G7)', () => {
  it('leaves the run failed: no overwrite, no second audit record or event, and nothing thrown for SQS to redeliver', async () => {
    for (const dryRun of [true, false]) {
      const runId = await queueRun(trust.trustId, school, trust.adminId, dryRun);
      let swept = 0;
      hooks.whilePlanning = async () => {
        expect((await getRun(trust.trustId, runId))!.status).toBe('running');
        // The hourly job as it would run STUCK_RUN_AFTER_MS (and a minute) from now: this run has not moved since its claim.
        swept = await failStuckRuns(trust.trustId, new Date(Date.now() + STUCK_RUN_AFTER_MS + 60_000));
      };
      try {
        const result = await handler({ Records: [sqsRecord(JSON.stringify(sent.at(-1)!.body))] });
        expect(result.batchItemFailures).toEqual([]);
      } finally {
        hooks.whilePlanning = undefined;
      }
      expect(swept).toBe(1);
      const run = await getRun(trust.trustId, runId);
      expect(run, `dryRun ${dryRun}`).toMatchObject({ status: 'failed', dryRun, errors: [expect.objectContaining({ code: 'run_error' })] });
      expect(await runAudit(runId)).toEqual(['mis.run_failed']);
      expect(await told(runId)).toEqual([expect.objectContaining({ title: 'MIS sync failed' })]);
    }
  });

  it('still finishes a run nobody else has moved (the condition holds for the delivery that claimed it)', async () => {
    const runId = await queueRun(trust.trustId, school, trust.adminId, true);
    const result = await handler({ Records: [sqsRecord(JSON.stringify(sent.at(-1)!.body))] });
    expect(result.batchItemFailures).toEqual([]);
    expect(await getRun(trust.trustId, runId)).toMatchObject({ status: 'done', dryRun: true, finishedAt: expect.any(String) });
    expect(await runAudit(runId)).toEqual(['mis.run_done']);
    expect(await told(runId)).toHaveLength(1);
  });
});
