import { zipSync, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { MAX_ROSTER_UNZIPPED_BYTES } from '../../../domain/mis/oneroster';
import { byteSize, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_SOURCED_ID_CHARS, MAX_RUN_ERROR_BYTES } from '../../../domain/mis/run-errors';
import { newRunId, saveRun, type MisRun } from '../../../functions/adapters/dynamo/mis-sync-repository';
import { call } from '../../fixtures/api';
import { onerosterBundle, type RosterPersonFixture } from '../../fixtures/oneroster';
import { makeTrust, type TestTrust } from '../../fixtures/trust';
import { waitForRun } from './authority-cases';

/**
 * Review C #2 and #7 on the local stack: what a roster's cells and a zip can
 * cost a run. A run is one DynamoDB item (≤ 400 KB); the list of runs reads
 * Query pages of ≤ 1 MB. Settings are saved `enabled: false`, so the nightly
 * job of another test file never runs these schools; a run asked for still runs.
 */

let trust: TestTrust;
const ORG = 'org-size';

async function school(name: string) {
  const id = trust.nodes[name]!.id;
  const saved = await call('PUT', `/nodes/${id}/mis`, {
    token: trust.token, headers: { 'if-match': '0' }, body: { enabled: false, orgSourcedId: ORG, roleMap: { teacher: presetIds.teacher }, maxLeaverShare: 1 },
  });
  expect(saved.status).toBe(200);
  return id;
}

async function runRoster(node: string, zip: Uint8Array, dryRun: boolean) {
  const uploaded = await call('PUT', `/nodes/${node}/mis/roster`, { token: trust.token, rawBody: zip, headers: { 'content-type': 'application/zip' } });
  expect(uploaded.status).toBe(202);
  const started = await call('POST', `/nodes/${node}/mis/runs`, { token: trust.token, body: { dryRun } });
  expect(started.status).toBe(202);
  return waitForRun(started.body.runId, trust.token);
}

beforeAll(async () => {
  trust = await makeTrust();
});

describe('MIS runs whatever the roster holds', () => {
  it('a roster whose error rows are long finishes, listing what fits and counting the rest (it used to stay running: the item passed 400 KB)', async () => {
    const node = await school('North School');
    // 600 people whose role cell is 900 characters and whose sourcedId is 900: 600 error rows of ~2 KB each as read.
    const people: RosterPersonFixture[] = Array.from({ length: 600 }, (_, i) => ({
      sourcedId: `${i}-`.padEnd(900, 's'), givenName: 'G', familyName: 'F', email: `size-${i}@mis-size.example`, role: 'zz'.padEnd(900, 'r'),
    }));
    const run = await runRoster(node, onerosterBundle({ org: { sourcedId: ORG, name: 'North' }, people }), true);
    expect(run.status).toBe('done');
    expect(run.errors.length).toBeGreaterThan(0);
    expect(run.errorsOmitted).toBeGreaterThan(0);
    expect(run.errors.length + run.errorsOmitted).toBeGreaterThanOrEqual(600);
    expect(byteSize(run.errors)).toBeLessThanOrEqual(MAX_RUN_ERROR_BYTES);
    for (const error of run.errors) {
      expect(error.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
      expect((error.sourcedId ?? '').length).toBeLessThanOrEqual(MAX_ERROR_SOURCED_ID_CHARS);
    }
    expect(run.errors[0]).toMatchObject({ code: 'invalid_value', message: expect.stringMatching(/^Cannot read role "zzr+…"/) });
    // Audited with the total.
    const audit = await call('GET', `/audit?nodeId=${node}&limit=50`, { token: trust.token });
    expect(audit.body.items.find((r: any) => r.action === 'mis.run_done' && r.after.runId === run.id)?.after.errors).toBe(run.errors.length + run.errorsOmitted);
  }, 180_000);

  it('a sourcedId too long for a sort key is that row\'s error; the others are synced', async () => {
    const node = await school('South School');
    const long = 'x'.repeat(1_100);
    const run = await runRoster(node, onerosterBundle({ org: { sourcedId: ORG, name: 'South' }, people: [
      { sourcedId: long, givenName: 'Long', familyName: 'Id', email: 'long-id@mis-size.example', role: 'teacher' },
      { sourcedId: 'short-id', givenName: 'Short', familyName: 'Id', email: 'short-id@mis-size.example', role: 'teacher' },
    ] }), false);
    expect(run).toMatchObject({ status: 'done', created: 1 });
    expect(run.errors.map((e: any) => [e.code, e.sourcedId.length])).toEqual([['invalid_value', MAX_ERROR_SOURCED_ID_CHARS], ['invalid_value', MAX_ERROR_SOURCED_ID_CHARS]]);
    expect(run.errors.some((e: any) => e.code === 'internal_error')).toBe(false);
  }, 120_000);

  it('a zip bomb is refused from its declared sizes: the run fails invalid_bundle', async () => {
    const node = await school('Sub School');
    const files = unzipSync(onerosterBundle({ org: { sourcedId: ORG, name: 'A1' }, people: [{ sourcedId: 'u1', givenName: 'A', familyName: 'B', role: 'teacher' }] }));
    const zip = zipSync({ ...files, 'users.csv': [new Uint8Array(MAX_ROSTER_UNZIPPED_BYTES + 1).fill(0x61), { level: 9 }] });
    const run = await runRoster(node, zip, true);
    expect(run.status).toBe('failed');
    expect(run.errors).toEqual([expect.objectContaining({ code: 'invalid_bundle', message: expect.stringContaining(`over the ${MAX_ROSTER_UNZIPPED_BYTES} bytes`) })]);
  }, 120_000);
});

describe('GET /nodes/{id}/mis/runs pages through large runs', () => {
  it('follows Query pages until the page is full, and a cursor goes on to the rest (it used to read one 1 MB page)', async () => {
    // A trust of its own: no other run at its school.
    const trust = await makeTrust();
    const node = trust.nodes['North School']!.id;
    // 12 runs of ~190 KB each (500 error rows): a 1 MB Query page holds 5.
    const errors = Array.from({ length: 500 }, (_, i) => ({ sourcedId: `p-${i}`.padEnd(256, 'p'), line: i + 2, code: 'invalid_value', message: 'm'.repeat(100) }));
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = newRunId(new Date(Date.UTC(2026, 0, 1, 0, i)));
      ids.push(id);
      await saveRun(trust.trustId, {
        id, nodeId: node, status: 'done', dryRun: true, requestedBy: trust.adminId, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', rosterId: null,
        created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 0, skippedEdited: 0, errors, errorsOmitted: i,
      } satisfies MisRun);
    }
    const newestFirst = [...ids].reverse();
    const first = await call('GET', `/nodes/${node}/mis/runs?limit=10`, { token: trust.token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: any) => r.id)).toEqual(newestFirst.slice(0, 10));
    expect(first.body.items[0].errors).toHaveLength(500);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await call('GET', `/nodes/${node}/mis/runs?limit=10&cursor=${first.body.nextCursor}`, { token: trust.token });
    expect(rest.status).toBe(200);
    expect(rest.body.items.map((r: any) => r.id)).toEqual(newestFirst.slice(10));
    expect(rest.body.nextCursor).toBeNull();
    // The default page (50) holds all 12.
    const all = await call('GET', `/nodes/${node}/mis/runs`, { token: trust.token });
    expect(all.body.items).toHaveLength(12);
    expect(all.body.nextCursor).toBeNull();
    const forged = Buffer.from(JSON.stringify({ runId: '../x' })).toString('base64url');
    expect((await call('GET', `/nodes/${node}/mis/runs?cursor=${forged}`, { token: trust.token })).body.code).toBe('invalid_cursor');
  }, 120_000);
});
