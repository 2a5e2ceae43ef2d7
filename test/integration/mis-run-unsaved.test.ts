import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { getRun, putRosterRef, type MisRun } from '../../functions/adapters/dynamo/mis-sync-repository';
import { saveRoster } from '../../functions/adapters/files/roster-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { handler, type RunMessage } from '../../functions/mis/run-worker';
import { queueRun } from '../../functions/mis/run-queue';
import { call } from '../fixtures/api';
import { saveMisSettings, sqsRecord } from '../fixtures/mis';
import { generatedRoster, onerosterBundle } from '../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * Review C #2, "whatever happens": a run is never left `running` for good.
 * On DynamoDB Local and cognito-local, through the worker's SQS handler:
 * - the table refuses the finished run's item (here made too large on
 *   purpose after the worker bounds it: DynamoDB Local refuses it as AWS
 *   does, `ValidationException`): the run is stored `failed` with the reason;
 * - the run throws on its last delivery (the message then goes to the dead
 *   letters): the run is stored `failed` (`run_error`), audited.
 */
const faults = vi.hoisted(() => ({ oversize: false, planThrows: false }));

vi.mock('../../functions/adapters/dynamo/mis-sync-repository', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/adapters/dynamo/mis-sync-repository')>();
  return {
    ...real,
    // The first save of a finished run carries 400 KB more than the worker gave it.
    saveRun: (trustId: string, run: MisRun, audit?: Parameters<typeof real.saveRun>[2]) =>
      real.saveRun(trustId, faults.oversize && run.status !== 'failed' ? ({ ...run, padding: 'p'.repeat(400 * 1024) } as MisRun) : run, audit),
  };
});
vi.mock('../../functions/mis/sync', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/mis/sync')>();
  return {
    ...real,
    planSchool: (...args: Parameters<typeof real.planSchool>) => {
      if (faults.planThrows) throw new Error('unexpected: the plan blew up');
      return real.planSchool(...args);
    },
  };
});

process.env.MIS_ROSTER_DIR = mkdtempSync(join(tmpdir(), 'mis-unsaved-'));
process.env.MIS_RUN_QUEUE_URL = 'local:mis-runs';
const sent: { queue: string; body: RunMessage }[] = [];
(globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = { send: (queue, body) => void sent.push({ queue, body: JSON.parse(body) as RunMessage }) };

let trust: TestTrust;
let school: string;
const ORG = 'org-unsaved';

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  await saveMisSettings(trust.trustId, school, trust.adminId, { orgSourcedId: ORG, enabled: false });
  const at = new Date().toISOString();
  await saveRoster(trust.trustId, school, 'roster-1', onerosterBundle({ org: { sourcedId: ORG, name: 'North School' }, people: generatedRoster(3, { prefix: 'unsaved', domain: 'mis-unsaved.example' }) }));
  await putRosterRef(trust.trustId, school, { rosterId: 'roster-1', uploadedBy: trust.adminId, uploadedAt: at, bytes: 1 }, auditRecord({
    id: 'roster-1', at, actorId: trust.adminId, action: 'mis.roster_uploaded', targetType: 'node', targetId: school, nodeId: school,
  }));
});

const runAudit = async (runId: string) => {
  const response = await call('GET', `/audit?targetId=${school}&limit=200`, { token: trust.token });
  return response.body.items.filter((r: any) => r.action.startsWith('mis.run_') && r.after?.runId === runId).map((r: any) => r.action);
};

describe('a run that cannot finish as it is', () => {
  it('a run item the table refuses is stored failed with the reason and its counts, and audited so', async () => {
    const runId = await queueRun(trust.trustId, school, trust.adminId, true);
    faults.oversize = true;
    try {
      const result = await handler({ Records: [sqsRecord(JSON.stringify(sent.at(-1)!.body))] });
      expect(result.batchItemFailures).toEqual([]);
    } finally {
      faults.oversize = false;
    }
    const run = await getRun(trust.trustId, runId);
    expect(run).toMatchObject({ status: 'failed', dryRun: true, created: 3, errors: [expect.objectContaining({ code: 'run_not_saved' })] });
    expect(run!.finishedAt).toEqual(expect.any(String));
    expect(await runAudit(runId)).toEqual(['mis.run_failed']);
  });

  it('a run that throws on its last delivery is stored failed (run_error); an earlier delivery leaves it for SQS to retry', async () => {
    const runId = await queueRun(trust.trustId, school, trust.adminId, true);
    const body = JSON.stringify(sent.at(-1)!.body);
    faults.planThrows = true;
    try {
      const first = await handler({ Records: [sqsRecord(body, 1)] });
      expect(first.batchItemFailures).toHaveLength(1);
      expect((await getRun(trust.trustId, runId))!.status).toBe('running');
      const last = await handler({ Records: [sqsRecord(body, 2)] });
      expect(last.batchItemFailures).toHaveLength(1);
    } finally {
      faults.planThrows = false;
    }
    expect(await getRun(trust.trustId, runId)).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'run_error' })] });
    expect(await runAudit(runId)).toEqual(['mis.run_failed']);
  });
});
