import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Review F: times come back in UTC whatever offset they were sent with (F-2),
 * and a pupil id has one format on every route that takes one (F-5).
 */
let trust: TestTrust;
/** The trust admin, signed in with 2FA (safeguarding roles and blocks are managed from a 2FA session). */
let admin: string;
let school: string;
const node = (name: string) => trust.nodes[name]!.id;

async function person(input: { userType?: 'staff' | 'parent'; roles: { roleId: string; nodeId: string }[] }) {
  const user = await createUser(admin, { ...(input.userType ? { userType: input.userType } : {}), memberships: [{ nodeId: school }], roles: input.roles });
  return { user, token: await activate(trust, user) };
}

beforeAll(async () => {
  trust = await makeTrust();
  school = node('North School');
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('times sent with an offset are kept and answered in UTC (F-2)', () => {
  it('stores a role window sent with offsets as UTC: the answer, GET /users/{id}, the directory and the audit record', async () => {
    const user = await createUser(admin, { lastName: `Offset${randomUUID().slice(0, 6)}`, memberships: [{ nodeId: school }] });
    const added = await call('POST', `/users/${user.id}/roles`, {
      token: admin, body: { roleId: presetIds.teacher, nodeId: school, validFrom: '2026-01-01T09:00:00+01:00', validUntil: '2027-07-31T23:59:59-05:00' },
    });
    expect(added.status).toBe(201);
    const utc = { validFrom: '2026-01-01T08:00:00.000Z', validUntil: '2027-08-01T04:59:59.000Z' };
    expect(added.body).toMatchObject(utc);

    const got = await call('GET', `/users/${user.id}`, { token: admin });
    expect(got.body.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: school, ...utc })]);

    const listed = await call('GET', `/users?q=${encodeURIComponent(user.lastName)}`, { token: admin });
    expect(listed.body.items.find((u: any) => u.id === user.id).roles).toEqual([{ roleId: presetIds.teacher, nodeId: school, validUntil: utc.validUntil }]);

    const audit = await call('GET', `/audit?targetId=${user.id}`, { token: admin });
    const record = audit.body.items.find((r: any) => r.action === 'role.assigned' && r.after?.id === added.body.id);
    expect(record.after).toMatchObject(utc);
  });

  it('stores a bulk addRole end sent with +14:00 as UTC', async () => {
    const user = await createUser(admin, { memberships: [{ nodeId: school }] });
    const bulk = await call('POST', '/users/bulk', {
      token: admin, body: { userIds: [user.id], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: school, validUntil: '2027-01-01T00:00:00+14:00' }] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.applied).toBe(1);
    expect((await call('GET', `/users/${user.id}`, { token: admin })).body.roles).toEqual([expect.objectContaining({ validUntil: '2026-12-31T10:00:00.000Z' })]);
  });

  it('answers an event’s occurredAt in the feed in UTC', async () => {
    const teacher = await person({ roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const accepted = await call('POST', '/notifications/events', {
      token: admin, body: { category: 'behaviour', nodeId: school, title: 'Merit', occurredAt: '2026-12-01T10:00:00+05:00', idempotencyKey: randomUUID() },
    });
    expect(accepted.status).toBe(202);
    const feed = await call('GET', '/me/notifications', { token: teacher.token });
    expect(feed.body.items.find((i: any) => i.id === accepted.body.id)).toMatchObject({ occurredAt: '2026-12-01T05:00:00.000Z' });
  });

  it('still refuses a time that is not one (400 naming the field)', async () => {
    const user = await createUser(admin, { memberships: [{ nodeId: school }] });
    const bad = await call('POST', `/users/${user.id}/roles`, { token: admin, body: { roleId: presetIds.teacher, nodeId: school, validFrom: '2026-01-01 09:00' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path)).toEqual(['validFrom']);
    const audit = await call('GET', '/audit?to=yesterday', { token: admin });
    expect(audit.status).toBe(400);
    expect(audit.body.errors.map((e: any) => e.path)).toEqual(['query.to']);
  });
});

describe('one subjectId format on every route (F-5)', () => {
  const pupil = 'ext:pupil.1@mis';
  const encoded = encodeURIComponent(pupil); // ext%3Apupil.1%40mis

  it('blocks and links a pupil whose id holds . : @, decides about them, and sends an event about them to the right people', async () => {
    const hearsBehaviour = await call('POST', '/roles', { token: admin, body: { name: `Parents hear behaviour ${randomUUID().slice(0, 8)}`, permissions: ['behaviour.view'] } });
    expect(hearsBehaviour.status).toBe(201);
    const parentRoles = [{ roleId: presetIds.parent, nodeId: school }, { roleId: hearsBehaviour.body.id, nodeId: school }];
    const [teacher, blockedTeacher, parent, otherParent] = await Promise.all([
      person({ roles: [{ roleId: presetIds.teacher, nodeId: school }] }),
      person({ roles: [{ roleId: presetIds.teacher, nodeId: school }] }),
      person({ userType: 'parent', roles: parentRoles }),
      person({ userType: 'parent', roles: parentRoles }),
    ]);

    const block = await call('PUT', `/users/${blockedTeacher.user.id}/blocks/${encoded}`, { token: admin, body: { schoolId: school, reason: 'relative' } });
    expect(block.status).toBe(200);
    expect(block.body).toMatchObject({ subjectId: pupil, schoolId: school });
    // Sent unencoded (`:` and `@` may stand in a path segment), it names the same pupil.
    const link = await call('PUT', `/users/${parent.user.id}/children/${pupil}`, { token: admin, body: { schoolId: school } });
    expect(link.status).toBe(200);
    expect(link.body).toEqual({ subjectId: pupil, schoolId: school });
    expect((await call('GET', `/users/${blockedTeacher.user.id}/blocks`, { token: admin })).body.items).toEqual([expect.objectContaining({ subjectId: pupil })]);

    const ask = (userId: string, permission: string) => ({ userId, permission, nodeId: school, subjectId: pupil });
    const single = await call('POST', '/authz/check', { token: admin, body: ask(blockedTeacher.user.id, 'behaviour.view') });
    expect(single.status).toBe(200);
    expect(single.body).toEqual({ allowed: false, reason: 'blocked' });
    const batch = await call('POST', '/authz/batch', {
      token: admin,
      body: { checks: [ask(blockedTeacher.user.id, 'behaviour.view'), ask(teacher.user.id, 'behaviour.view'), ask(parent.user.id, 'children.view'), ask(otherParent.user.id, 'children.view')] },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: any) => r.reason)).toEqual(['blocked', 'granted', 'granted', 'not_linked']);

    const accepted = await call('POST', '/notifications/events', {
      token: admin, body: { category: 'behaviour', nodeId: school, subjectId: pupil, title: 'Merit', occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID() },
    });
    expect(accepted.status).toBe(202);
    const heard = async (token: string) => ((await call('GET', '/me/notifications', { token })).body.items as { id: string }[]).some((i) => i.id === accepted.body.id);
    expect(await heard(teacher.token)).toBe(true);
    expect(await heard(parent.token)).toBe(true);
    expect(await heard(blockedTeacher.token)).toBe(false);
    expect(await heard(otherParent.token)).toBe(false);

    // Lifted through the encoded path, the block is gone for the decision.
    expect((await call('DELETE', `/users/${blockedTeacher.user.id}/blocks/${encoded}`, { token: admin })).status).toBe(204);
    expect((await call('POST', '/authz/check', { token: admin, body: ask(blockedTeacher.user.id, 'behaviour.view') })).body).toMatchObject({ allowed: true, reason: 'granted' });
    expect((await call('DELETE', `/users/${parent.user.id}/children/${encoded}`, { token: admin })).status).toBe(204);
    expect((await call('POST', '/authz/check', { token: admin, body: ask(parent.user.id, 'children.view') })).body).toEqual({ allowed: false, reason: 'not_linked' });
  });

  it('refuses a subjectId with / or #, or of 129 characters, on every route (400 naming the field)', async () => {
    const staff = await person({ roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const parent = await person({ userType: 'parent', roles: [{ roleId: presetIds.parent, nodeId: school }] });
    const fieldsOf = (response: { status: number; body: any }) => [response.status, response.body.errors?.map((e: any) => e.path)];
    for (const bad of ['pupil/1', 'pupil#1', 'p'.repeat(129)]) {
      const inPath = encodeURIComponent(bad);
      const question = { userId: staff.user.id, permission: 'behaviour.view', nodeId: school, subjectId: bad };
      const event = { category: 'behaviour', nodeId: school, subjectId: bad, title: 'Merit', occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID() };
      expect(fieldsOf(await call('POST', '/authz/check', { token: admin, body: question })), bad).toEqual([400, ['subjectId']]);
      expect(fieldsOf(await call('POST', '/authz/batch', { token: admin, body: { checks: [{ ...question, subjectId: 'fine' }, question] } })), bad).toEqual([400, ['checks.1.subjectId']]);
      expect(fieldsOf(await call('PUT', `/users/${staff.user.id}/blocks/${inPath}`, { token: admin, body: { schoolId: school } })), bad).toEqual([400, ['params.subjectId']]);
      expect(fieldsOf(await call('DELETE', `/users/${staff.user.id}/blocks/${inPath}`, { token: admin })), bad).toEqual([400, ['params.subjectId']]);
      expect(fieldsOf(await call('PUT', `/users/${parent.user.id}/children/${inPath}`, { token: admin, body: { schoolId: school } })), bad).toEqual([400, ['params.subjectId']]);
      expect(fieldsOf(await call('DELETE', `/users/${parent.user.id}/children/${inPath}`, { token: admin })), bad).toEqual([400, ['params.subjectId']]);
      expect(fieldsOf(await call('POST', '/notifications/events', { token: admin, body: event })), bad).toEqual([400, ['subjectId']]);
    }
    expect((await call('GET', `/users/${staff.user.id}/blocks`, { token: admin })).body.items).toEqual([]);
  });
});

describe('problem documents carry every field of API.md’s shape (review F, F-7)', () => {
  it('a 404 has a detail and an empty errors list; a 400 names the field in errors', async () => {
    const missing = await call('GET', `/users/${randomUUID()}`, { token: trust.token });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ type: 'urn:trust-access:problem:not_found', status: 404, code: 'not_found', errors: [] });
    expect(missing.body.detail).toEqual(expect.any(String));
    expect(missing.body.detail.length).toBeGreaterThan(0);

    const invalid = await call('POST', '/users', { token: trust.token, body: { email: 'not-an-email' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toEqual(expect.any(String));
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toContain('email');
  });
});

describe('If-Match names the version read (review F, F-9)', () => {
  it('refuses If-Match: * (it would write over a concurrent change) with a 400 naming If-Match, storing nothing', async () => {
    const before = (await call('GET', '/nodes', { token: trust.token })).body.items.find((n: { id: string }) => n.id === school);
    const star = await call('PATCH', `/nodes/${school}`, { token: trust.token, headers: { 'if-match': '*' }, body: { name: 'Renamed by star' } });
    expect(star.status).toBe(400);
    expect(star.body.errors).toEqual([expect.objectContaining({ path: 'If-Match' })]);
    const after = (await call('GET', '/nodes', { token: trust.token })).body.items.find((n: { id: string }) => n.id === school);
    expect(after).toMatchObject({ name: before.name, version: before.version });
  });
});
