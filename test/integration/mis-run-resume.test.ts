import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { getRun, listMisLinks, putRosterRef } from '../../functions/adapters/dynamo/mis-sync-repository';
import { saveRoster } from '../../functions/adapters/files/roster-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { runSync, type RunMessage } from '../../functions/mis/run-worker';
import { queueRun } from '../../functions/mis/run-queue';
import { saveMisSettings } from '../fixtures/mis';
import { generatedRoster, onerosterBundle, type RosterPersonFixture } from '../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * A long run interrupted half way, on DynamoDB Local and cognito-local: the
 * worker stopping between two people and queueing the rest (a part), or
 * dying (a Lambda timeout) and SQS delivering the message again. Either way
 * the run finishes, nobody is applied twice, and the counts are those of one
 * uninterrupted run.
 */
// Before the first config() read: rosters in a folder, the queue captured here.
process.env.MIS_ROSTER_DIR = mkdtempSync(join(tmpdir(), 'mis-resume-'));
process.env.MIS_RUN_QUEUE_URL = 'local:mis-runs';
const sent: { queue: string; body: RunMessage }[] = [];
(globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = { send: (queue, body) => void sent.push({ queue, body: JSON.parse(body) as RunMessage }) };

let trust: TestTrust;
let school: string;
const ORG = 'org-resume';

async function upload(people: RosterPersonFixture[], rosterId: string) {
  await saveRoster(trust.trustId, school, rosterId, onerosterBundle({ org: { sourcedId: ORG, name: 'North School' }, people }));
  const at = new Date().toISOString();
  await putRosterRef(trust.trustId, school, { rosterId, uploadedBy: trust.adminId, uploadedAt: at, bytes: 1 }, auditRecord({
    id: rosterId, at, actorId: trust.adminId, action: 'mis.roster_uploaded', targetType: 'node', targetId: school, nodeId: school,
  }));
}

/** Stops (true) from the `n`th question on: the worker has applied n people by then. */
const stopAfter = (n: number) => {
  let asked = 0;
  return () => ++asked >= n;
};

const lastSent = () => sent.at(-1)!.body;

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  await saveMisSettings(trust.trustId, school, trust.adminId, { orgSourcedId: ORG });
});

describe('MIS run resumed after an interruption', () => {
  const people = generatedRoster(8, { prefix: 'resume', domain: 'mis.test.example' });

  it('stops between two people and continues in parts; a stale continuation does nothing; the counts are one run\'s', async () => {
    await upload(people, 'roster-1');
    const runId = await queueRun(trust.trustId, school, trust.adminId, false);
    const first = lastSent();
    expect(first).toEqual({ trustId: trust.trustId, nodeId: school, runId });

    await runSync(first, false, stopAfter(3));
    expect(await getRun(trust.trustId, runId)).toMatchObject({ status: 'running', created: 0 });
    const part1 = lastSent();
    expect(part1).toEqual({ trustId: trust.trustId, nodeId: school, runId, part: 1 });
    expect((await listMisLinks(trust.trustId, school)).filter((l) => l.runId === runId && l.outcome === 'created')).toHaveLength(3);

    // The first message delivered again (not a redelivery: receive count 1) finds the run taken.
    await runSync(first);
    expect((await listMisLinks(trust.trustId, school))).toHaveLength(3);

    await runSync(part1, false, stopAfter(2));
    const part2 = lastSent();
    expect(part2).toMatchObject({ runId, part: 2 });
    // A duplicate of the part-1 continuation while part 2 waits: the part has moved on, it claims nothing.
    await runSync(part1);
    expect((await listMisLinks(trust.trustId, school))).toHaveLength(5);
    expect((await getRun(trust.trustId, runId))!.status).toBe('running');

    await runSync(part2);
    expect(await getRun(trust.trustId, runId)).toMatchObject({
      status: 'done', rosterId: 'roster-1', created: 8, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, errors: [], errorsOmitted: 0,
    });
    const links = await listMisLinks(trust.trustId, school);
    expect(links).toHaveLength(8);
    expect(new Set(links.map((l) => l.userId)).size).toBe(8);
  });

  it('finishes a run SQS delivers again after the worker died half way, counting each person once', async () => {
    // Four renamed, one gone (a leaver), three as they were.
    const next = people.slice(0, 7).map((p, i) => (i < 4 ? { ...p, familyName: `Renamed${i}` } : p));
    await upload(next, 'roster-2');
    const runId = await queueRun(trust.trustId, school, trust.adminId, false);
    const message = lastSent();
    let asked = 0;
    const dies = () => {
      if (++asked >= 3) throw new Error('Task timed out after 900.00 seconds');
      return false;
    };
    await expect(runSync(message, false, dies)).rejects.toThrow('timed out');
    expect(await getRun(trust.trustId, runId)).toMatchObject({ status: 'running' });
    const applied = (await listMisLinks(trust.trustId, school)).filter((l) => l.runId === runId);
    expect(applied).toHaveLength(3);

    // SQS delivers the same message again once the visibility timeout is over.
    await runSync(message, true);
    expect(await getRun(trust.trustId, runId)).toMatchObject({
      status: 'done', rosterId: 'roster-2', created: 0, updated: 4, deactivated: 1, reactivated: 0, unchanged: 3, errors: [],
    });
    // Planning the same roster again: nothing left to do.
    const again = await queueRun(trust.trustId, school, trust.adminId, false);
    await runSync(lastSent());
    expect(await getRun(trust.trustId, again)).toMatchObject({ status: 'done', created: 0, updated: 0, deactivated: 0, unchanged: 7 });
  });
});
