import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { getRun, listMisLinks, putRosterRef } from '../../functions/adapters/dynamo/mis-sync-repository';
import { saveRoster } from '../../functions/adapters/files/roster-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { queueRun } from '../../functions/mis/run-queue';
import { runSync, type RunMessage } from '../../functions/mis/run-worker';
import { call } from '../fixtures/api';
import { changeBeforeWrite, writesAudit } from '../fixtures/hold-writes';
import { profileItem } from '../fixtures/identity';
import { saveMisSettings } from '../fixtures/mis';
import { generatedRoster, onerosterBundle, type RosterPersonFixture } from '../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * Review I, I5: an MIS run applies the plan its part made from the people as
 * they were then; a hand change made after the plan (a suspension, a name
 * corrected) must not be undone by it. Deterministic: the worker runs in this
 * process and its first person write is held while the admin acts over HTTP.
 */
process.env.MIS_ROSTER_DIR = mkdtempSync(join(tmpdir(), 'mis-recheck-'));
process.env.MIS_RUN_QUEUE_URL = 'local:mis-runs';
const sent: RunMessage[] = [];
(globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = { send: (_queue, body) => void sent.push(JSON.parse(body) as RunMessage) };

let trust: TestTrust;
let school: string;
const ORG = 'org-recheck';

async function sync(people: RosterPersonFixture[], rosterId: string) {
  await saveRoster(trust.trustId, school, rosterId, onerosterBundle({ org: { sourcedId: ORG, name: 'North School' }, people }));
  const at = new Date().toISOString();
  await putRosterRef(trust.trustId, school, { rosterId, uploadedBy: trust.adminId, uploadedAt: at, bytes: 1 }, auditRecord({
    id: rosterId, at, actorId: trust.adminId, action: 'mis.roster_uploaded', targetType: 'node', targetId: school, nodeId: school,
  }));
  const runId = await queueRun(trust.trustId, school, trust.adminId, false);
  await runSync(sent.at(-1)!);
  return (await getRun(trust.trustId, runId))!;
}

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  await saveMisSettings(trust.trustId, school, trust.adminId, { orgSourcedId: ORG });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an MIS run applying a plan made before a hand change', () => {
  it('leaves a person suspended by hand after the plan inactive (deactivated_by_hand) and keeps a name edited by hand after the plan', async () => {
    const others = generatedRoster(4, { prefix: 'recheck', domain: 'mis.test.example' });
    const victim: RosterPersonFixture = { sourcedId: 'recheck-victim', givenName: 'Vic', familyName: 'Tim', email: 'victim.recheck@mis.test.example', role: 'teacher' };
    expect(await sync([...others, victim], 'roster-1')).toMatchObject({ status: 'done', created: 5 });
    const ids = new Map((await listMisLinks(trust.trustId, school)).map((link) => [link.misId, link.userId]));
    const victimId = ids.get(victim.sourcedId)!;
    const editedId = ids.get(others[1]!.sourcedId)!;
    // The victim leaves (grace 0): made inactive by the sync, so a later roster listing them brings them back.
    expect(await sync(others, 'roster-2')).toMatchObject({ status: 'done', deactivated: 1 });
    expect(await profileItem(trust, victimId)).toMatchObject({ status: 'inactive', deactivatedBy: 'mis' });

    // The third roster renames everyone and lists the victim again: the plan says update × 4 and "return" (reactivate).
    // Before its first write lands, an admin suspends the victim and corrects one person's name by hand.
    const version = (await call('GET', `/users/${editedId}`, { token: trust.token })).body.version as number;
    const state = changeBeforeWrite(1, writesAudit(['user.updated', 'user.activated', 'mis.linked', 'membership.added']), async () => [
      await call('POST', `/users/${victimId}/deactivate`, { token: trust.token }),
      await call('PATCH', `/users/${editedId}`, { token: trust.token, body: { firstName: 'Handset' }, headers: { 'if-match': `"${version}"` } }),
    ]);
    const run = await sync([...others.map((p) => ({ ...p, familyName: `${p.familyName}x` })), victim], 'roster-3');
    vi.restoreAllMocks();
    const [suspended, patched] = (await state.changed)!;
    expect(suspended!.status).toBe(200);
    expect(patched!.status).toBe(200);

    const victimAfter = await profileItem(trust, victimId);
    expect(victimAfter.status).toBe('inactive');
    expect(victimAfter.deactivatedBy).toBeUndefined();
    expect(run).toMatchObject({ status: 'done', reactivated: 0, updated: 3, skippedEdited: 1 });
    expect(run.errors).toEqual([expect.objectContaining({ sourcedId: victim.sourcedId, code: 'deactivated_by_hand' })]);
    const editedAfter = await profileItem(trust, editedId);
    expect(editedAfter).toMatchObject({ firstName: 'Handset', lastName: others[1]!.familyName, edited: true });
    // The others did follow the MIS.
    expect((await profileItem(trust, ids.get(others[2]!.sourcedId)!)).lastName).toBe(`${others[2]!.familyName}x`);
  }, 120_000);
});
