import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
/** Holds roles.define at the trust through a custom role that lacks most permissions. */
let definer: { user: any; token: string };
let teacher: { user: any; token: string };

const PRESET_NAMES = [
  'Trust Admin', 'Trust Report Viewer', 'Cluster Administrator', 'Curriculum Administrator', 'School Admin', 'Staff',
  'Teacher', 'Teaching Assistant', 'Designated Safeguarding Lead', 'Head Teacher', 'Head Office', 'Nursery Manager', 'Parent',
];

const createRole = async (token: string, body: Record<string, unknown>) => call('POST', '/roles', { token, body });
const rolesOf = async (token: string) => (await call('GET', '/roles', { token })).body.items as any[];
const matrix = async (token: string) => call('GET', '/access-matrix', { token });

beforeAll(async () => {
  trust = await makeTrust();
  const definerRole = await createRole(trust.token, {
    name: 'Role Definer', scope: 'trust', permissions: ['roles.define', 'roles.assign', 'users.view', 'behaviour.view'],
  });
  expect(definerRole.status).toBe(201);
  [definer, teacher] = await Promise.all([
    actor(trust, { roles: [{ roleId: definerRole.body.id, nodeId: trust.rootId }] }),
    actor(trust, { memberships: [{ nodeId: trust.nodes['North School']!.id }], roles: [{ roleId: presetIds.teacher, nodeId: trust.nodes['North School']!.id }] }),
  ]);
});

describe('GET /permissions', () => {
  it('lists the catalogue with code, description, area and the 2FA and reserved flags', async () => {
    const response = await call('GET', '/permissions', { token: teacher.token });
    expect(response.status).toBe(200);
    const items = response.body.items as any[];
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['area', 'code', 'description', 'requiresMfa', 'reserved']);
      expect(item.description.length).toBeGreaterThan(0);
    }
    const byCode = new Map(items.map((p) => [p.code, p]));
    expect(new Set(byCode.keys()).size).toBe(items.length);
    for (const code of ['org.manage', 'users.view', 'users.create', 'roles.assign', 'roles.define', 'audit.view', 'reports.manage_schedules', 'safeguarding.blocks.manage']) {
      expect(byCode.get(code)).toMatchObject({ requiresMfa: false, reserved: false });
    }
    expect(byCode.get('safeguarding.child_protection.view')).toMatchObject({ area: 'safeguarding', requiresMfa: true, reserved: false });
    expect(byCode.get('safeguarding.allegations.manage')).toMatchObject({ requiresMfa: true, reserved: true });
  });

  it('answers 401 without a token', async () => {
    expect((await call('GET', '/permissions')).status).toBe(401);
  });
});

describe('GET /roles', () => {
  it('lists the 13 presets by their names, built in and read-only, to anyone signed in', async () => {
    const response = await call('GET', '/roles', { token: teacher.token });
    expect(response.status).toBe(200);
    const presets = (response.body.items as any[]).filter((r) => r.builtIn);
    expect(presets.map((r) => r.name).sort()).toEqual([...PRESET_NAMES].sort());
    expect(presets.map((r) => r.id).sort()).toEqual(Object.values(presetIds).sort());
    const byName = new Map(presets.map((r) => [r.name, r]));
    expect(byName.get('Cluster Administrator')).toMatchObject({ scope: 'cluster' });
    expect(byName.get('Cluster Administrator').assignableRoles.sort()).toEqual(
      [presetIds.staff, presetIds.teacher, presetIds.teachingAssistant, presetIds.nurseryManager, presetIds.parent, presetIds.schoolAdmin].sort(),
    );
    expect(byName.get('Trust Admin').assignableRoles.sort()).toEqual(Object.values(presetIds).sort());
    expect(byName.get('Trust Admin').permissions).not.toContain('safeguarding.allegations.manage');
    expect(byName.get('Head Teacher').permissions).toContain('safeguarding.allegations.manage');
  });

  it('shows a trust its own custom roles and never another trust\'s', async () => {
    const other = await makeTrust([]);
    const created = await createRole(other.token, { name: 'Their Secret Role', permissions: ['users.view'] });
    expect(created.status).toBe(201);
    expect((await rolesOf(other.token)).map((r) => r.id)).toContain(created.body.id);
    expect((await rolesOf(trust.token)).map((r) => r.id)).not.toContain(created.body.id);
  });
});

describe('POST /roles', () => {
  it('creates a custom role with 201, permissions in catalogue order and de-duplicated', async () => {
    const response = await createRole(trust.token, {
      name: 'Attendance Officer', description: 'Chases absences', scope: 'school',
      permissions: ['reports.view', 'users.view', 'reports.view'], assignableRoles: [presetIds.staff],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'Attendance Officer', description: 'Chases absences', scope: 'school', permissions: ['users.view', 'reports.view'],
      assignableRoles: [presetIds.staff], builtIn: false, version: 1,
    });
    expect((await rolesOf(trust.token)).find((r) => r.id === response.body.id)).toEqual(response.body);
  });

  it('refuses a role holding a permission the caller lacks with 403 escalation', async () => {
    const refused = await createRole(definer.token, { name: 'Reporter', permissions: ['users.view', 'reports.view'] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('escalation');
    expect((await rolesOf(trust.token)).map((r) => r.name)).not.toContain('Reporter');
    const allowed = await createRole(definer.token, { name: 'Viewer', permissions: ['users.view', 'behaviour.view'] });
    expect(allowed.status).toBe(201);
  });

  it('refuses a role that lists an assignable role the caller could not hand out', async () => {
    const refused = await createRole(definer.token, { name: 'Appointer', permissions: ['users.view'], assignableRoles: [presetIds.schoolAdmin] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('escalation');
  });

  it('refuses a sensitive permission without 2FA with 403 mfa_required, even to the trust admin', async () => {
    const refused = await createRole(trust.token, { name: 'CP Reader', permissions: ['safeguarding.child_protection.view'] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
  });

  it('answers 403 to a caller without roles.define', async () => {
    const refused = await createRole(teacher.token, { name: 'Self Made', permissions: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it('refuses a name already used by a preset or custom role, whatever its case, with 409 name_taken', async () => {
    expect((await createRole(trust.token, { name: 'Exam Officer', permissions: [] })).status).toBe(201);
    const custom = await createRole(trust.token, { name: 'EXAM officer', permissions: [] });
    expect(custom.status).toBe(409);
    expect(custom.body.code).toBe('name_taken');
    const preset = await createRole(trust.token, { name: 'teacher', permissions: [] });
    expect(preset.status).toBe(409);
    expect(preset.body.code).toBe('name_taken');
  });

  it('answers 400 naming each unknown permission and role', async () => {
    const response = await createRole(trust.token, { name: 'Broken', permissions: ['users.view', 'no.such.code'], assignableRoles: ['no-such-role'] });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: any) => e.path)).toEqual(['permissions[1]', 'assignableRoles[0]']);
  });
});

describe('PATCH /roles/{id}', () => {
  it('changes a custom role with If-Match: its version, and bumps the version', async () => {
    const role = (await createRole(trust.token, { name: 'Patchable', permissions: ['users.view'] })).body;
    const response = await call('PATCH', `/roles/${role.id}`, {
      token: trust.token, headers: { 'if-match': `"${role.version}"` }, body: { name: 'Patched', permissions: ['users.view', 'reports.view'] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.body).toMatchObject({ id: role.id, name: 'Patched', permissions: ['users.view', 'reports.view'], version: 2 });
    expect((await rolesOf(trust.token)).find((r) => r.id === role.id)).toMatchObject({ name: 'Patched', version: 2 });
  });

  it('answers 412 version_conflict for a stale If-Match and 428 without one, changing nothing', async () => {
    const role = (await createRole(trust.token, { name: 'Contested Role', permissions: [] })).body;
    expect((await call('PATCH', `/roles/${role.id}`, { token: trust.token, headers: { 'if-match': '1' }, body: { description: 'first' } })).status).toBe(200);
    const stale = await call('PATCH', `/roles/${role.id}`, { token: trust.token, headers: { 'if-match': '1' }, body: { description: 'lost' } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('version_conflict');
    const missing = await call('PATCH', `/roles/${role.id}`, { token: trust.token, body: { description: 'no precondition' } });
    expect(missing.status).toBe(428);
    expect((await rolesOf(trust.token)).find((r) => r.id === role.id)).toMatchObject({ description: 'first', version: 2 });
  });

  it('refuses to change a built-in role with 409 built_in_role', async () => {
    const response = await call('PATCH', `/roles/${presetIds.teacher}`, { token: trust.token, headers: { 'if-match': '1' }, body: { permissions: ['users.view'] } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('built_in_role');
    expect((await rolesOf(trust.token)).find((r) => r.id === presetIds.teacher).permissions).not.toContain('users.view');
  });

  it('refuses a widening with a permission the caller lacks with 403 escalation, and allows narrowing', async () => {
    const role = (await createRole(trust.token, { name: 'Widen Me', permissions: ['users.view', 'reports.view'] })).body;
    const widen = await call('PATCH', `/roles/${role.id}`, { token: definer.token, headers: { 'if-match': '1' }, body: { permissions: ['users.view', 'reports.view', 'audit.view'] } });
    expect(widen.status).toBe(403);
    expect(widen.body.code).toBe('escalation');
    const narrow = await call('PATCH', `/roles/${role.id}`, { token: definer.token, headers: { 'if-match': '1' }, body: { permissions: ['users.view'] } });
    expect(narrow.status).toBe(200);
    expect(narrow.body.permissions).toEqual(['users.view']);
  });

  it('answers 403 to a caller without roles.define, whatever its If-Match', async () => {
    const role = (await createRole(trust.token, { name: 'Guarded', permissions: ['users.view'] })).body;
    const current = await call('PATCH', `/roles/${role.id}`, { token: teacher.token, headers: { 'if-match': '1' }, body: { name: 'Taken Over' } });
    expect(current.status).toBe(403);
    const stale = await call('PATCH', `/roles/${role.id}`, { token: teacher.token, headers: { 'if-match': '7' }, body: { name: 'Taken Over' } });
    expect(stale.status).toBe(403);
    const preset = await call('PATCH', `/roles/${presetIds.teacher}`, { token: teacher.token, headers: { 'if-match': '1' }, body: { name: 'Taken Over' } });
    expect(preset.status).toBe(403);
    expect((await rolesOf(trust.token)).find((r) => r.id === role.id)).toMatchObject({ name: 'Guarded', version: 1 });
  });

  it('answers 404 for a role of another trust', async () => {
    const other = await makeTrust([]);
    const theirs = (await createRole(other.token, { name: 'Theirs', permissions: [] })).body;
    const response = await call('PATCH', `/roles/${theirs.id}`, { token: trust.token, headers: { 'if-match': '1' }, body: { name: 'Mine' } });
    expect(response.status).toBe(404);
    expect((await rolesOf(other.token)).find((r) => r.id === theirs.id).name).toBe('Theirs');
  });
});

describe('DELETE /roles/{id}', () => {
  it('refuses a role someone holds with 409 in_use, and deletes it with 204 once nobody does', async () => {
    const role = (await createRole(trust.token, { name: 'Short Lived', permissions: ['users.view'] })).body;
    const holder = await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['South School']!.id }], roles: [{ roleId: role.id, nodeId: trust.nodes['South School']!.id }] });
    const refused = await call('DELETE', `/roles/${role.id}`, { token: trust.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('in_use');
    expect((await rolesOf(trust.token)).map((r) => r.id)).toContain(role.id);
    expect((await call('DELETE', `/users/${holder.id}/roles/${holder.roles[0].id}`, { token: trust.token })).status).toBe(204);
    expect((await call('DELETE', `/roles/${role.id}`, { token: trust.token })).status).toBe(204);
    expect((await rolesOf(trust.token)).map((r) => r.id)).not.toContain(role.id);
  });

  it('stops other roles listing a deleted role as assignable', async () => {
    const junior = (await createRole(trust.token, { name: 'Junior', permissions: ['users.view'] })).body;
    const senior = (await createRole(trust.token, { name: 'Senior', permissions: ['users.view', 'roles.assign'], assignableRoles: [junior.id, presetIds.staff] })).body;
    expect((await call('DELETE', `/roles/${junior.id}`, { token: trust.token })).status).toBe(204);
    const after = (await rolesOf(trust.token)).find((r) => r.id === senior.id);
    expect(after).toMatchObject({ assignableRoles: [presetIds.staff], version: senior.version + 1 });
  });

  it('of a deletion racing an assignment of the role, never lets both through', async () => {
    for (let round = 0; round < 3; round++) {
      const role = (await createRole(trust.token, { name: `Racing ${round}`, permissions: ['users.view'] })).body;
      const user = await createUser(trust.token, { memberships: [{ nodeId: trust.nodes['South School']!.id }] });
      const [assigned, deleted] = await Promise.all([
        call('POST', `/users/${user.id}/roles`, { token: trust.token, body: { roleId: role.id, nodeId: trust.nodes['South School']!.id } }),
        call('DELETE', `/roles/${role.id}`, { token: trust.token }),
      ]);
      expect([assigned.status, deleted.status]).not.toEqual([201, 204]);
      expect([201, 204]).toContain(assigned.status === 201 ? assigned.status : deleted.status);
      const stillThere = (await rolesOf(trust.token)).some((r) => r.id === role.id);
      const held = ((await call('GET', `/users/${user.id}`, { token: trust.token })).body.roles as any[]).some((r) => r.roleId === role.id);
      expect(stillThere || !held).toBe(true);
    }
  });

  it('refuses a built-in role with 409 and answers 404 for an unknown one', async () => {
    const builtIn = await call('DELETE', `/roles/${presetIds.staff}`, { token: trust.token });
    expect(builtIn.status).toBe(409);
    expect(builtIn.body.code).toBe('built_in_role');
    expect((await call('DELETE', '/roles/role-does-not-exist', { token: trust.token })).status).toBe(404);
  });

  it('answers 403 to a caller without roles.define', async () => {
    const role = (await createRole(trust.token, { name: 'Kept', permissions: [] })).body;
    expect((await call('DELETE', `/roles/${role.id}`, { token: teacher.token })).status).toBe(403);
    expect((await rolesOf(trust.token)).map((r) => r.id)).toContain(role.id);
  });
});

describe('GET /access-matrix', () => {
  it('returns roles, the catalogue and each role\'s grants with an ETag', async () => {
    const response = await matrix(teacher.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${response.body.version}"`);
    const roleIds = (response.body.roles as any[]).map((r) => r.id);
    expect(Object.keys(response.body.grants).sort()).toEqual([...roleIds].sort());
    expect(response.body.grants[presetIds.parent]).toEqual(['children.view', 'children.absence.report']);
    expect((response.body.permissions as any[]).length).toBe((await call('GET', '/permissions', { token: teacher.token })).body.items.length);
  });
});

describe('PUT /access-matrix', () => {
  let t: TestTrust;
  let first: any;
  let second: any;
  let tDefiner: string;

  beforeAll(async () => {
    t = await makeTrust([{ kind: 'school', name: 'Only' }]);
    first = (await createRole(t.token, { name: 'First', permissions: ['users.view'] })).body;
    second = (await createRole(t.token, { name: 'Second', permissions: ['behaviour.view'] })).body;
    const definerRole = (await createRole(t.token, { name: 'Matrix Editor', scope: 'trust', permissions: ['roles.define', 'roles.assign', 'users.view', 'behaviour.view', 'pastoral.view'] })).body;
    tDefiner = (await actor(t, { roles: [{ roleId: definerRole.id, nodeId: t.rootId }] })).token;
  });

  const grantsNow = async () => (await matrix(t.token)).body.grants as Record<string, string[]>;
  const put = async (token: string, etag: string | null, grants: Record<string, string[]>) =>
    call('PUT', '/access-matrix', { token, body: { grants }, headers: etag ? { 'if-match': etag } : {} });

  it('stores every change at once with the current ETag, and the ETag moves on', async () => {
    const current = await matrix(t.token);
    const etag = current.headers.get('etag')!;
    const grants = { ...current.body.grants, [first.id]: ['users.view', 'reports.view'], [second.id]: [] };
    const response = await put(t.token, etag, grants);
    expect(response.status).toBe(200);
    expect(response.body.grants[first.id]).toEqual(['users.view', 'reports.view']);
    expect(response.body.grants[second.id]).toEqual([]);
    const after = await matrix(t.token);
    expect(after.body.grants[first.id]).toEqual(['users.view', 'reports.view']);
    expect(after.body.grants[second.id]).toEqual([]);
    expect(after.headers.get('etag')).not.toBe(etag);
    // The PUT answered the new version itself (review F, F-9): the same as a fresh GET, usable as the next If-Match.
    expect(response.headers.get('etag')).toBe(after.headers.get('etag'));
    expect(response.body.version).toBe(after.body.version);
    const rolesNow = await rolesOf(t.token);
    expect(rolesNow.find((r) => r.id === first.id).version).toBe(first.version + 1);
    // Put the second role back for the tests below, with the ETag the PUT answered.
    expect((await put(t.token, response.headers.get('etag'), { [second.id]: ['behaviour.view'] })).status).toBe(200);
  });

  it('answers 412 for a stale ETag and 428 without one, storing nothing', async () => {
    const stale = (await matrix(t.token)).headers.get('etag')!;
    expect((await put(t.token, stale, { [first.id]: ['users.view', 'reports.view', 'audit.view'] })).status).toBe(200);
    const before = await grantsNow();
    const conflict = await put(t.token, stale, { [first.id]: ['users.view'] });
    expect(conflict.status).toBe(412);
    expect(conflict.body.code).toBe('version_conflict');
    const missing = await put(t.token, null, { [first.id]: ['users.view'] });
    expect(missing.status).toBe(428);
    expect(await grantsNow()).toEqual(before);
  });

  it('answers 400 for an unknown permission code, storing nothing', async () => {
    const current = await matrix(t.token);
    const before = current.body.grants;
    const response = await put(t.token, current.headers.get('etag'), { [second.id]: ['behaviour.view', 'no.such.code'] });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.errors)).toContain('no.such.code');
    expect(await grantsNow()).toEqual(before);
  });

  it('stores nothing when one role id is unknown (400 naming it)', async () => {
    const current = await matrix(t.token);
    const before = current.body.grants;
    const response = await put(t.token, current.headers.get('etag'), { [first.id]: ['users.view'], 'no-such-role': ['users.view'] });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'grants.no-such-role' })]);
    expect(await grantsNow()).toEqual(before);
  });

  it('stores nothing when one change touches a built-in role (409 built_in_role)', async () => {
    const current = await matrix(t.token);
    const before = current.body.grants;
    const response = await put(t.token, current.headers.get('etag'), {
      [first.id]: ['users.view'],
      [presetIds.teacher]: [...before[presetIds.teacher]!, 'users.view'],
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('built_in_role');
    expect(await grantsNow()).toEqual(before);
  });

  it('stores nothing when one widening is an escalation (403), though the other change alone is allowed', async () => {
    const current = await matrix(tDefiner);
    const before = current.body.grants;
    const response = await put(tDefiner, current.headers.get('etag'), {
      [second.id]: ['behaviour.view', 'pastoral.view'],
      [first.id]: [...before[first.id]!, 'users.export'],
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('escalation');
    expect(await grantsNow()).toEqual(before);
    const alone = await put(tDefiner, current.headers.get('etag'), { [second.id]: ['behaviour.view', 'pastoral.view'] });
    expect(alone.status).toBe(200);
    expect((await grantsNow())[second.id]).toEqual(['behaviour.view', 'pastoral.view']);
  });

  it('answers 403 to a caller without roles.define, with or without an ETag', async () => {
    const caller = await actor(t, { memberships: [{ nodeId: t.nodes.Only!.id }], roles: [{ roleId: presetIds.staff, nodeId: t.nodes.Only!.id }] });
    const current = await matrix(caller.token);
    const response = await put(caller.token, current.headers.get('etag'), { [first.id]: [] });
    expect(response.status).toBe(403);
    expect((await put(caller.token, null, { [first.id]: [] })).status).toBe(403);
    expect((await grantsNow())[first.id]).toEqual(current.body.grants[first.id]);
  });
});
