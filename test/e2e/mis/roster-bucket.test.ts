import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { onerosterBundle, generatedRoster, type RosterPersonFixture } from '../../fixtures/oneroster';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * A roster dropped into the roster bucket (issue 10), on the local stack:
 * `PUT /_local/roster-bucket/<key>` stores the object where the roster store
 * reads it locally and sends S3's object-created event to the in-process
 * `mis-rosters` queue, whose worker is the very handler S3's queue triggers in
 * AWS. The run it queues is read back over HTTP (GET /nodes/{id}/mis/runs).
 */

let trust: TestTrust;
let saver: string;

const org = (sourcedId: string) => ({ sourcedId, name: 'A School' });
const bundle = (orgId: string, people: RosterPersonFixture[]) => onerosterBundle({ org: org(orgId), people });

async function saveSettings(school: string, orgSourcedId: string, extra: Record<string, unknown> = {}) {
  const current = await call('GET', `/nodes/${school}/mis`, { token: saver });
  const version = current.status === 200 ? String(current.body.version) : '0';
  const saved = await call('PUT', `/nodes/${school}/mis`, {
    token: saver, headers: { 'if-match': version }, body: { enabled: true, orgSourcedId, roleMap: { teacher: presetIds.teacher }, ...extra },
  });
  expect(saved.status).toBe(200);
}

/** What a trust's MIS connector does: put the zip at a key of the roster bucket. */
async function drop(key: string, zip: Uint8Array, deliveries = 1) {
  const response = await call('PUT', `/_local/roster-bucket/${key}?deliveries=${deliveries}`, { rawBody: zip, headers: { 'content-type': 'application/zip' } });
  expect(response.status).toBe(200);
  return response.body as { notified: boolean };
}

const runs = async (school: string) => {
  const response = await call('GET', `/nodes/${school}/mis/runs`, { token: saver });
  expect(response.status).toBe(200);
  return response.body.items as { id: string; status: string; rosterId: string | null; created: number; updated: number; unchanged: number }[];
};

/** Waits until the school has `count` runs and none is running. */
async function settled(school: string, count: number) {
  for (let i = 0; i < 300; i++) {
    const items = await runs(school);
    if (items.length >= count && items.every((r) => r.status !== 'running')) return items;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the school did not reach ${count} finished runs`);
}

/** The roster-upload audit records at a school, oldest first. */
async function uploads(school: string) {
  const response = await call('GET', `/audit?nodeId=${school}&limit=200`, { token: trust.token });
  expect(response.status).toBe(200);
  return (response.body.items as { action: string; actorId: string; after: Record<string, unknown> }[]).filter((r) => r.action === 'mis.roster_uploaded').reverse();
}

/** Lets the mis-rosters queue take what was dropped (it runs asynchronously, as S3's events do). */
const aMoment = () => new Promise((resolve) => setTimeout(resolve, 1500));

beforeAll(async () => {
  trust = await makeTrust();
  const north = trust.nodes.North!.id;
  saver = (await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] })).token;
});

describe('MIS roster bucket (local stand-in)', () => {
  it('queues one run for a dropped zip, even when S3 delivers its event twice, and records and audits the upload', async () => {
    const school = trust.nodes['North School']!.id;
    await saveSettings(school, 'org-drop-1');
    const people = generatedRoster(4, { prefix: 'drop1', domain: 'mis.test.example' });
    expect((await drop(`mis/${trust.trustId}/${school}/2026-12-01.zip`, bundle('org-drop-1', people), 2)).notified).toBe(true);
    const [run, ...others] = await settled(school, 1);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ status: 'done', rosterId: '2026-12-01', created: 4, updated: 0 });
    await aMoment();
    expect(await runs(school)).toHaveLength(1);
    const [record, ...more] = await uploads(school);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ actorId: 'roster-bucket', after: { rosterId: '2026-12-01', via: 'roster-bucket', principal: 'AWS:local-mis-connector', runId: run!.id } });

    // The connector writes the same name again the next night with a changed roster: a new write, a new run.
    const renamed = people.map((p, i) => (i === 0 ? { ...p, familyName: 'Dropped-Again' } : p));
    await drop(`mis/${trust.trustId}/${school}/2026-12-01.zip`, bundle('org-drop-1', renamed));
    const [second] = await settled(school, 2);
    expect(second).toMatchObject({ status: 'done', rosterId: '2026-12-01', created: 0, updated: 1, unchanged: 3 });
  });

  it("queues nothing for the API's own upload when its object's event arrives, nor for a school without enabled settings (kept as its roster)", async () => {
    const school = trust.nodes['North School']!.id;
    const before = (await runs(school)).length;
    const zip = bundle('org-drop-1', generatedRoster(2, { prefix: 'drop2', domain: 'mis.test.example' }));
    const stored = await call('PUT', `/nodes/${school}/mis/roster`, { token: saver, rawBody: zip, headers: { 'content-type': 'application/zip' } });
    expect(stored.status).toBe(202);
    // In AWS the route's PutObject raises this event; the handler finds the API's record of the upload.
    await drop(`mis/${trust.trustId}/${school}/${stored.body.rosterId}.zip`, zip);
    await aMoment();
    expect(await runs(school)).toHaveLength(before);
    expect((await uploads(school)).filter((r) => r.after.rosterId === stored.body.rosterId)).toHaveLength(1);

    // A school with no MIS settings: the dropped roster is recorded and audited, and becomes the one its first run reads.
    const south = trust.nodes['South School']!.id;
    const people = generatedRoster(3, { prefix: 'drop3', domain: 'mis.test.example' });
    await drop(`mis/${trust.trustId}/${south}/first-export.zip`, bundle('org-drop-3', people));
    await aMoment();
    const admin = trust.token;
    expect((await call('GET', `/nodes/${south}/mis/runs`, { token: admin })).body.items).toEqual([]);
    expect((await call('GET', `/audit?nodeId=${south}&limit=50`, { token: admin })).body.items.map((r: any) => r.action)).toContain('mis.roster_uploaded');
    await call('PUT', `/nodes/${south}/mis`, {
      token: admin, headers: { 'if-match': '0' }, body: { enabled: true, orgSourcedId: 'org-drop-3', roleMap: { teacher: presetIds.teacher } },
    });
    const started = await call('POST', `/nodes/${south}/mis/runs`, { token: admin, body: {} });
    expect(started.status).toBe(202);
    let run;
    for (let i = 0; i < 300 && (!run || run.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await call('GET', `/mis/runs/${started.body.runId}`, { token: admin })).body;
    }
    expect(run).toMatchObject({ status: 'done', rosterId: 'first-export', created: 3 });
  });

  it('ignores a key outside mis/<trust>/<school>/<name>.zip, a school of another trust, and a file not ending .zip (no event)', async () => {
    const school = trust.nodes['North School']!.id;
    const before = (await runs(school)).length;
    const zip = bundle('org-drop-1', generatedRoster(1, { prefix: 'drop4', domain: 'mis.test.example' }));
    expect((await drop(`mis/${trust.trustId}/${school}/nested/x.zip`, zip)).notified).toBe(true);
    expect((await drop(`mis/${trust.trustId}/${school}/notes.txt`, zip)).notified).toBe(false);
    const other = await makeTrust();
    // Another trust's id with this school's id: no such school in that trust.
    await drop(`mis/${other.trustId}/${school}/x.zip`, zip);
    await aMoment();
    expect(await runs(school)).toHaveLength(before);
    expect((await uploads(school)).some((r) => r.after.rosterId === 'x')).toBe(false);
  });
});
