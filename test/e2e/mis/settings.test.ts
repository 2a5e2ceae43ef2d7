import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let school: string;
let clusterAdmin: string;

const put = (token: string, nodeId: string, version: string | undefined, body: unknown) =>
  call('PUT', `/nodes/${nodeId}/mis`, { token, body, ...(version === undefined ? {} : { headers: { 'if-match': version } }) });

const settings = { enabled: true, orgSourcedId: 'org-north-school', roleMap: { teacher: presetIds.teacher, aide: presetIds.teachingAssistant } };

/** A new school under North (the cluster admin's), with no settings yet. */
async function newSchool(): Promise<string> {
  const created = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: `MIS School ${Math.random().toString(36).slice(2, 8)}`, parentId: trust.nodes.North!.id } });
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  const north = trust.nodes.North!.id;
  clusterAdmin = (await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] })).token;
});

describe('PUT/GET /nodes/{id}/mis', () => {
  it('saves a school\'s settings with their defaults, versioned, audited, and reads them back', async () => {
    expect((await call('GET', `/nodes/${school}/mis`, { token: clusterAdmin })).status).toBe(404);
    const saved = await put(clusterAdmin, school, '0', settings);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ nodeId: school, ...settings, parents: false, inviteNew: false, leaverGraceDays: 0, maxLeaverShare: 0.2, version: 1 });
    expect(saved.headers.get('etag')).toBe('"1"');
    const read = await call('GET', `/nodes/${school}/mis`, { token: clusterAdmin });
    expect(read.body).toEqual(saved.body);
    const records = await auditOf(trust, school);
    expect(records.map((r) => r.action)).toContain('mis.settings_changed');
  });

  it('needs If-Match once settings exist: 428 without, 412 stale', async () => {
    const other = await newSchool();
    expect((await put(clusterAdmin, other, '3', settings)).status).toBe(412);
    expect((await put(clusterAdmin, other, '0', settings)).status).toBe(200);
    const missing = await put(clusterAdmin, other, undefined, { ...settings, enabled: false });
    expect(missing).toMatchObject({ status: 428, body: { code: 'precondition_required' } });
    expect((await put(clusterAdmin, other, '0', settings)).status).toBe(412);
    const read = await call('GET', `/nodes/${other}/mis`, { token: clusterAdmin });
    expect(read.body).toMatchObject({ enabled: true, version: 1 });
    expect((await put(clusterAdmin, other, '1', { ...settings, enabled: false })).body).toMatchObject({ enabled: false, version: 2 });
  });

  it('creates the first settings without If-Match (GET is 404: there is no version to send; review F, F-3)', async () => {
    const other = await newSchool();
    expect((await call('GET', `/nodes/${other}/mis`, { token: clusterAdmin })).status).toBe(404);
    const saved = await put(clusterAdmin, other, undefined, settings);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ nodeId: other, ...settings, version: 1 });
    expect(saved.headers.get('etag')).toBe('"1"');
    expect((await call('GET', `/nodes/${other}/mis`, { token: clusterAdmin })).body).toEqual(saved.body);
    expect((await auditOf(trust, other)).filter((r) => r.action === 'mis.settings_changed')).toHaveLength(1);
  });

  it('of concurrent first saves without If-Match, exactly one wins; the others change nothing', async () => {
    const other = await newSchool();
    const bodies = ['org-first', 'org-second', 'org-third', 'org-fourth'].map((orgSourcedId) => ({ ...settings, orgSourcedId }));
    const results = await Promise.all(bodies.map((body) => put(clusterAdmin, other, undefined, body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // A loser that read no settings meets the create-only write (412); one that read the winner's is told If-Match is needed (428).
    for (const loser of results.filter((r) => r.status !== 200)) {
      expect([[412, 'version_conflict'], [428, 'precondition_required']]).toContainEqual([loser.status, loser.body.code]);
    }
    const winner = results.find((r) => r.status === 200)!;
    const read = await call('GET', `/nodes/${other}/mis`, { token: clusterAdmin });
    expect(read.body).toEqual(winner.body);
    expect(read.body.version).toBe(1);
    expect((await auditOf(trust, other)).filter((r) => r.action === 'mis.settings_changed')).toHaveLength(1);
  });

  it('still checks the saver without If-Match: the first save of a mapping the saver could not grant is refused and stores nothing', async () => {
    const other = await newSchool();
    const escalation = await put(clusterAdmin, other, undefined, { ...settings, roleMap: { principal: presetIds.trustAdmin } });
    expect(escalation.status).toBe(403);
    expect((await call('GET', `/nodes/${other}/mis`, { token: clusterAdmin })).status).toBe(404);
  });

  it('refuses a mapping to a role the saver could not grant themself (the sync grants it every night with nobody signed in)', async () => {
    const other = trust.nodes['Sub School']!.id;
    const escalation = await put(clusterAdmin, other, '0', { ...settings, roleMap: { principal: presetIds.trustAdmin } });
    expect(escalation.status).toBe(403);
    expect(['escalation', 'mfa_required']).toContain(escalation.body.code);
    expect((await put(clusterAdmin, other, '0', { ...settings, roleMap: { principal: presetIds.headTeacher } })).status).toBe(403);
  });

  it('is for org.manage at the school only: a cluster admin of another cluster, or a teacher, is refused', async () => {
    const south = trust.nodes.South!.id;
    const southAdmin = (await actor(trust, { memberships: [{ nodeId: south }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: south }] })).token;
    expect((await put(southAdmin, school, '1', settings)).status).toBe(403);
    expect((await call('GET', `/nodes/${school}/mis`, { token: southAdmin })).status).toBe(403);
    const teacher = (await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] })).token;
    expect((await put(teacher, school, '1', settings)).status).toBe(403);
  });

  it('answers 400 naming the field for a cluster, an unknown OneRoster role, a bad share and an unknown role id', async () => {
    const north = trust.nodes.North!.id;
    for (const [nodeId, body, path] of [
      [north, settings, 'id'],
      [school, { ...settings, roleMap: { wizard: presetIds.teacher } }, 'roleMap.wizard'],
      [school, { ...settings, maxLeaverShare: 1.5 }, 'maxLeaverShare'],
      [school, { ...settings, roleMap: { teacher: 'no-such-role' } }, 'roleMap'],
      [school, { enabled: true }, 'orgSourcedId'],
    ] as const) {
      const response = await put(trust.token, nodeId, '1', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path);
    }
  });
});
