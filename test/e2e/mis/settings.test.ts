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

  it('needs If-Match: 428 without, 412 stale', async () => {
    const other = trust.nodes['Sub School']!.id;
    expect((await put(clusterAdmin, other, undefined, settings)).status).toBe(428);
    expect((await put(clusterAdmin, other, '3', settings)).status).toBe(412);
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
