import { describe, expect, it } from 'vitest';
import { createRun, getRun, newRunId, type MisRun } from '../../functions/adapters/dynamo/mis-sync-repository';
import { runSync } from '../../functions/mis/run-worker';
import { makeTrust } from '../fixtures/trust';

/** The worker's claim of a run on DynamoDB Local: a second delivery runs nothing, a redelivery after a crash takes a stuck run up again. */
describe('MIS run claim', () => {
  const runOf = (nodeId: string, status: MisRun['status']): MisRun => ({
    id: newRunId(), nodeId, status, dryRun: false, requestedBy: 'someone', startedAt: new Date().toISOString(), finishedAt: null, rosterId: null,
    created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, skippedEdited: 0, errors: [], errorsOmitted: 0,
  });

  it('leaves a running run alone on a duplicate delivery, takes it up on a redelivery, and never runs a finished one again', async () => {
    const trust = await makeTrust();
    // A school without settings: a run that gets to work fails at once with no_settings, which shows it was claimed.
    const nodeId = trust.nodes['South School']!.id;
    const running = runOf(nodeId, 'running');
    await createRun(trust.trustId, running);
    await runSync({ trustId: trust.trustId, nodeId, runId: running.id });
    expect((await getRun(trust.trustId, running.id))?.status).toBe('running');
    await runSync({ trustId: trust.trustId, nodeId, runId: running.id }, true);
    const failed = await getRun(trust.trustId, running.id);
    expect(failed).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 'no_settings' })] });
    await runSync({ trustId: trust.trustId, nodeId, runId: running.id }, true);
    expect(await getRun(trust.trustId, running.id)).toEqual(failed);

    const held = runOf(nodeId, 'held');
    await createRun(trust.trustId, held);
    await runSync({ trustId: trust.trustId, nodeId, runId: held.id });
    expect((await getRun(trust.trustId, held.id))?.status).toBe('held');
  });
});
