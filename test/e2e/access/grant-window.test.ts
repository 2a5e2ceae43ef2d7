import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { untilCellDate } from '../../../domain/directory/csv-format';
import { call } from '../../fixtures/api';
import { actor, createUser, userBody } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * A grant never outlives (nor predates) the grantor's own authority to hand
 * it out, over HTTP: an acting School Admin whose role ends in a week cannot
 * give a second account of theirs School Admin for good, by any grant path.
 */
let trust: TestTrust;
let acting: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;
const day = 24 * 3600 * 1000;
const SINCE = new Date(Math.floor(Date.now() / day) * day - day).toISOString();
const ENDS = new Date(Math.floor(Date.now() / day) * day + 7 * day).toISOString();
const LATER = new Date(Date.parse(ENDS) + 30 * day).toISOString();
const rolesOf = async (userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body.roles as any[];

beforeAll(async () => {
  trust = await makeTrust();
  acting = await actor(trust, {
    memberships: [{ nodeId: node('North School') }],
    roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School'), validFrom: SINCE, validUntil: ENDS }],
  });
});

describe('an acting School Admin whose role ends in a week', () => {
  it('cannot give an account of their own School Admin for good (403 escalation), nor past their own end', async () => {
    const sock = await createUser(acting.token, { memberships: [{ nodeId: node('North School') }] });
    for (const window of [{}, { validUntil: LATER }]) {
      const grant = await call('POST', `/users/${sock.id}/roles`, {
        token: acting.token, body: { roleId: presetIds.schoolAdmin, nodeId: node('North School'), ...window },
      });
      expect(grant.status, JSON.stringify(window)).toBe(403);
      expect(grant.body.code).toBe('escalation');
    }
    expect(await rolesOf(sock.id)).toEqual([]);
  });

  it('is refused the same by POST /users with roles and by a bulk addRole', async () => {
    const created = await call('POST', '/users', {
      token: acting.token,
      body: userBody({ memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] }),
    });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('escalation');

    const sock = await createUser(acting.token, { memberships: [{ nodeId: node('North School') }] });
    const bulk = await call('POST', '/users/bulk', {
      token: acting.token,
      body: { userIds: [sock.id], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: node('North School'), validUntil: LATER }] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([expect.objectContaining({ userId: sock.id, ok: false, error: expect.objectContaining({ code: 'escalation' }) })]);
    expect(await rolesOf(sock.id)).toEqual([]);
  });

  it('is refused the same by the CSV import, for a new row and for an existing person', async () => {
    const colleague = await createUser(acting.token, { memberships: [{ nodeId: node('North School') }] });
    const file = stringify([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools', 'roles'],
      ['', 'Sock', 'Puppet', `sock-${Date.now()}@test.example`, 'staff', 'North School', 'School Admin@North School'],
      [colleague.id, colleague.firstName, colleague.lastName, colleague.email, 'staff', 'North School', 'School Admin@North School'],
      ['', 'Cover', 'Teacher', `cover-${Date.now()}@test.example`, 'staff', 'North School', `School Admin@North School until ${untilCellDate(ENDS)}`],
    ]);
    const plan = await call('POST', '/users/import?dryRun=true', { token: acting.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    const [newRow, existingRow, boundedRow] = plan.body.rows;
    expect(newRow).toMatchObject({ action: 'error', errors: [expect.objectContaining({ column: 'roles', code: 'escalation' })] });
    expect(existingRow).toMatchObject({ action: 'error', errors: [expect.objectContaining({ column: 'roles', code: 'escalation' })] });
    expect(boundedRow).toMatchObject({ action: 'create', errors: [] });
  });

  it('cannot back-date a grant to before their own authority began', async () => {
    const colleague = await createUser(acting.token, { memberships: [{ nodeId: node('North School') }] });
    const backdated = await call('POST', `/users/${colleague.id}/roles`, {
      token: acting.token, body: { roleId: presetIds.teacher, nodeId: node('North School'), validFrom: '2020-01-01T00:00:00.000Z', validUntil: ENDS },
    });
    expect(backdated.status).toBe(403);
    expect(backdated.body.code).toBe('escalation');
  });

  it('may still grant within their window: until their own end or sooner, on every path', async () => {
    const colleague = await createUser(acting.token, { memberships: [{ nodeId: node('North School') }] });
    const untilEnd = await call('POST', `/users/${colleague.id}/roles`, {
      token: acting.token, body: { roleId: presetIds.schoolAdmin, nodeId: node('North School'), validUntil: ENDS },
    });
    expect(untilEnd.status).toBe(201);
    expect(untilEnd.body).toEqual(expect.objectContaining({ roleId: presetIds.schoolAdmin, validUntil: ENDS }));

    const sooner = new Date(Date.parse(ENDS) - 2 * day).toISOString();
    const created = await call('POST', '/users', {
      token: acting.token,
      body: userBody({ memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School'), validUntil: sooner }] }),
    });
    expect(created.status).toBe(201);
    expect(created.body.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, validUntil: sooner })]);

    const bulk = await call('POST', '/users/bulk', {
      token: acting.token,
      body: { userIds: [colleague.id], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: node('North School'), validUntil: ENDS }] },
    });
    expect(bulk.body.results).toEqual([expect.objectContaining({ userId: colleague.id, ok: true, changed: true })]);
  });

  it('a Trust Admin whose authority never ends still grants for good', async () => {
    const person = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const grant = await call('POST', `/users/${person.id}/roles`, { token: trust.token, body: { roleId: presetIds.schoolAdmin, nodeId: node('North School') } });
    expect(grant.status).toBe(201);
    expect(grant.body.validUntil).toBeUndefined();
  });
});

describe('an acting Cluster Administrator', () => {
  it('cannot map MIS roles: the nightly sync grants them with no end date (403 escalation), settings unchanged', async () => {
    const actingCluster = await actor(trust, {
      memberships: [{ nodeId: node('North') }],
      roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North'), validUntil: ENDS }],
    });
    const settings = { enabled: true, orgSourcedId: 'org-north-school', roleMap: { teacher: presetIds.teacher } };
    const saved = await call('PUT', `/nodes/${node('North School')}/mis`, { token: actingCluster.token, body: settings, headers: { 'if-match': '0' } });
    expect(saved.status).toBe(403);
    expect(saved.body.code).toBe('escalation');
    // A Trust Admin, whose authority never ends, may.
    expect((await call('PUT', `/nodes/${node('North School')}/mis`, { token: trust.token, body: settings, headers: { 'if-match': '0' } })).status).toBe(200);
  });
});

describe('an acting role definer at the trust', () => {
  it('cannot widen a custom role held for good (their own account\'s included) with what they hold only for a week', async () => {
    const custom = (await call('POST', '/roles', { token: trust.token, body: { name: 'Window helper', permissions: ['users.view'] } })).body;
    const definer = (await call('POST', '/roles', { token: trust.token, body: { name: 'Acting definer', permissions: ['roles.define', 'roles.assign', 'users.view', 'org.manage'] } })).body;
    const actingTrust = await actor(trust, {
      memberships: [{ nodeId: trust.rootId }],
      roles: [
        { roleId: definer.id, nodeId: trust.rootId, validUntil: ENDS },
        { roleId: custom.id, nodeId: trust.rootId },
      ],
    });
    const widen = await call('PATCH', `/roles/${custom.id}`, {
      token: actingTrust.token, headers: { 'if-match': `"${custom.version}"` }, body: { permissions: ['users.view', 'org.manage'] },
    });
    expect(widen.status).toBe(403);
    expect(widen.body.code).toBe('escalation');
    const after = (await call('GET', '/roles', { token: trust.token })).body.items.find((role: any) => role.id === custom.id);
    expect(after.permissions).toEqual(['users.view']);
  });
});
