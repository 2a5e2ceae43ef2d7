import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { MAX_BULK_ACTIONS, MAX_BULK_USERS } from '../../../domain/directory/bulk-edit';
import { call, type ApiResponse } from '../../fixtures/api';
import { auditOf, patchProfile, profileItem } from '../../fixtures/identity';
import { linkIn, mailTo } from '../../fixtures/mail';
import { activate, actor, createUser, type NewUser } from '../../fixtures/people';
import { enableTotp, signInWithTotp } from '../../fixtures/totp';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * POST /users/bulk over HTTP: every action, each person on their own and all
 * or nothing, the single routes' guards per person (reach, delegation,
 * identity, self-change, last admin), dry runs, Idempotency-Key, the shared
 * bulk id in the audit, and concurrent bulk requests on the same people.
 */

let trust: TestTrust;
let admin2fa: string;
let schoolAdmin: { user: any; token: string };

const node = (name: string) => trust.nodes[name]!.id;
const north = () => node('North School');
const south = () => node('South School');
const teacherAtNorth = (): NewUser => ({ memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.teacher, nodeId: north() }] });
const staffAtNorth = (): NewUser => ({ memberships: [{ nodeId: north() }] });
const get = async (userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body;

const bulk = (token: string, body: unknown, headers: Record<string, string> = {}) => call('POST', '/users/bulk', { token, body, headers });
const resultOf = (response: ApiResponse, userId: string) => response.body.results.find((r: any) => r.userId === userId);
const rolesAt = (user: any, roleId: string, nodeId: string) => user.roles.filter((r: any) => r.roleId === roleId && r.nodeId === nodeId);

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await enableTotp(trust.token);
  admin2fa = (await signInWithTotp(trust.adminEmail, secret)).accessToken;
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
}, 60_000);

describe('POST /users/bulk: each action', () => {
  it('adds and removes a role, each person once; a repeat changes nothing more (changed: false, no duplicate)', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const ids = people.map((p) => p.id);
    const add = await bulk(schoolAdmin.token, { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] });
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ applied: 2, failed: 0, dryRun: false, results: ids.map((userId) => ({ userId, ok: true, changed: true })) });
    for (const id of ids) expect(rolesAt(await get(id), presetIds.teacher, north())).toHaveLength(1);

    const again = await bulk(schoolAdmin.token, { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] });
    expect(again.body.results).toEqual(ids.map((userId) => ({ userId, ok: true, changed: false })));
    for (const id of ids) expect(rolesAt(await get(id), presetIds.teacher, north())).toHaveLength(1);

    const remove = await bulk(schoolAdmin.token, { userIds: ids, actions: [{ op: 'removeRole', roleId: presetIds.teacher, nodeId: north() }] });
    expect(remove.body).toMatchObject({ applied: 2, failed: 0 });
    expect(remove.body.results.every((r: any) => r.changed)).toBe(true);
    for (const id of ids) expect(rolesAt(await get(id), presetIds.teacher, north())).toEqual([]);
    const removeAgain = await bulk(schoolAdmin.token, { userIds: ids, actions: [{ op: 'removeRole', roleId: presetIds.teacher, nodeId: north() }] });
    expect(removeAgain.body.results.map((r: any) => [r.ok, r.changed])).toEqual([[true, false], [true, false]]);
  });

  it('places people at a node and removes a placement (the other one becomes primary)', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const ids = people.map((p) => p.id);
    const placed = await bulk(trust.token, { userIds: ids, actions: [{ op: 'addMembership', nodeId: south(), jobTitle: 'Cover Supervisor' }] });
    expect(placed.body).toMatchObject({ applied: 2, failed: 0 });
    for (const id of ids) {
      expect((await get(id)).memberships).toEqual(expect.arrayContaining([
        { nodeId: north(), primary: true, isManager: false },
        { nodeId: south(), jobTitle: 'Cover Supervisor', primary: false, isManager: false },
      ]));
    }
    const unplaced = await bulk(trust.token, { userIds: ids, actions: [{ op: 'removeMembership', nodeId: north() }] });
    expect(unplaced.body).toMatchObject({ applied: 2, failed: 0 });
    for (const id of ids) expect((await get(id)).memberships).toEqual([{ nodeId: south(), jobTitle: 'Cover Supervisor', primary: true, isManager: false }]);
    const again = await bulk(trust.token, { userIds: ids, actions: [{ op: 'removeMembership', nodeId: north() }, { op: 'addMembership', nodeId: south(), jobTitle: 'Cover Supervisor' }] });
    expect(again.body.results.map((r: any) => r.changed)).toEqual([false, false]);
  });

  it('deactivates (their sessions end at once) and activates again', async () => {
    const teacher = await createUser(trust.token, teacherAtNorth());
    const teacherToken = await activate(trust, teacher);
    const invited = await createUser(trust.token, teacherAtNorth());
    const off = await bulk(schoolAdmin.token, { userIds: [teacher.id, invited.id], actions: [{ op: 'deactivate' }] });
    expect(off.body).toMatchObject({ applied: 2, failed: 0 });
    expect((await get(teacher.id)).status).toBe('inactive');
    expect((await get(invited.id)).status).toBe('inactive');
    expect((await call('GET', '/me', { token: teacherToken })).status).toBe(401);
    expect((await call('POST', '/auth/login', { body: { email: teacher.email, password: TEST_PASSWORD } })).status).toBe(401);

    const on = await bulk(schoolAdmin.token, { userIds: [teacher.id, invited.id], actions: [{ op: 'activate' }] });
    expect(on.body).toMatchObject({ applied: 2, failed: 0 });
    expect((await get(teacher.id)).status).toBe('active'); // accepted before: active
    expect((await get(invited.id)).status).toBe('invited'); // never accepted: invited again
    expect((await call('POST', '/auth/login', { body: { email: teacher.email, password: TEST_PASSWORD } })).status).toBe(200);
    const again = await bulk(schoolAdmin.token, { userIds: [teacher.id, invited.id], actions: [{ op: 'activate' }] });
    expect(again.body.results.map((r: any) => r.changed)).toEqual([false, false]);
  });

  it('re-sends invitations: a new link is emailed and the older link stops working; an active person answers not_invited', async () => {
    const invited = await createUser(trust.token, teacherAtNorth());
    const active = await createUser(trust.token, teacherAtNorth());
    await activate(trust, active);
    const oldLink = linkIn((await mailTo(invited.email)).at(-1)!, 'invite').token;
    const sent = await bulk(schoolAdmin.token, { userIds: [invited.id, active.id], actions: [{ op: 'resendInvitation' }] });
    expect(resultOf(sent, invited.id)).toEqual({ userId: invited.id, ok: true, changed: true });
    expect(resultOf(sent, active.id)).toMatchObject({ ok: false, changed: false, error: { code: 'not_invited', action: 0 } });
    const mails = await mailTo(invited.email);
    expect(mails).toHaveLength(2);
    expect((await call('POST', '/auth/invitations/accept', { body: { token: oldLink, password: TEST_PASSWORD } })).status).toBe(410);
    const newLink = linkIn(mails.at(-1)!, 'invite').token;
    expect((await call('POST', '/auth/invitations/accept', { body: { token: newLink, password: TEST_PASSWORD } })).status).toBe(200);
  });
});

describe('POST /users/bulk: each person is judged as the single routes would judge them', () => {
  it('a refused person in the middle of a batch: the others are applied, the head (outranked) is unchanged', async () => {
    const first = await createUser(trust.token, teacherAtNorth());
    const head = await createUser(admin2fa, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.headTeacher, nodeId: north() }] });
    const last = await createUser(trust.token, teacherAtNorth());
    const headBefore = await get(head.id);
    const response = await bulk(schoolAdmin.token, { userIds: [first.id, head.id, last.id], actions: [{ op: 'deactivate' }] });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: any) => r.userId)).toEqual([first.id, head.id, last.id]);
    expect(resultOf(response, head.id)).toMatchObject({ ok: false, changed: false, error: { code: 'outranked', action: 0 } });
    expect(response.body).toMatchObject({ applied: 2, failed: 1 });
    expect((await get(first.id)).status).toBe('inactive');
    expect((await get(last.id)).status).toBe('inactive');
    expect(await get(head.id)).toEqual(headBefore);
    // The same answer as the single route.
    expect((await call('POST', `/users/${head.id}/deactivate`, { token: schoolAdmin.token })).body.code).toBe('outranked');
  });

  it('refuses every sign-in action on the head to a School Admin (outranked): no status change, no link emailed', async () => {
    for (const [op, status] of [['deactivate', 'active'], ['activate', 'inactive'], ['resendInvitation', 'invited']] as const) {
      const head = await createUser(admin2fa, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.headTeacher, nodeId: north() }] });
      if (status !== 'invited') await patchProfile(trust, head.id, { status });
      const before = await get(head.id);
      const mails = (await mailTo(head.email)).length;
      const response = await bulk(schoolAdmin.token, { userIds: [head.id], actions: [{ op }] });
      expect([op, response.body.results[0]]).toMatchObject([op, { ok: false, changed: false, error: { code: 'outranked', action: 0 } }]);
      expect(await get(head.id)).toEqual(before);
      expect(await mailTo(head.email)).toHaveLength(mails);
    }
  });

  it('answers not_found for people outside the caller\'s reach (and unknown ids), exactly as the single route, and changes only those inside', async () => {
    const inside = await createUser(trust.token, staffAtNorth());
    const outside = await createUser(trust.token, { memberships: [{ nodeId: south() }] });
    const unknown = randomUUID();
    const outsideBefore = await get(outside.id);
    const response = await bulk(schoolAdmin.token, { userIds: [inside.id, outside.id, unknown], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] });
    expect(resultOf(response, inside.id)).toEqual({ userId: inside.id, ok: true, changed: true });
    const single = await call('POST', `/users/${outside.id}/roles`, { token: schoolAdmin.token, body: { roleId: presetIds.teacher, nodeId: north() } });
    expect(single.status).toBe(404);
    for (const id of [outside.id, unknown]) {
      expect(resultOf(response, id)).toEqual({ userId: id, ok: false, changed: false, error: { code: 'not_found', message: 'User not found' } });
    }
    expect(await get(outside.id)).toEqual(outsideBefore);
  });

  it('refuses an escalation per person (the delegation guard) and writes nothing for them, even with a permitted action beside it', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const response = await bulk(schoolAdmin.token, {
      userIds: people.map((p) => p.id),
      actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }, { op: 'addRole', roleId: presetIds.curriculumAdministrator, nodeId: north() }],
    });
    expect(response.body).toMatchObject({ applied: 0, failed: 2 });
    const single = await call('POST', `/users/${people[0].id}/roles`, { token: schoolAdmin.token, body: { roleId: presetIds.curriculumAdministrator, nodeId: north() } });
    expect(single).toMatchObject({ status: 403, body: { code: 'escalation' } });
    for (const person of people) {
      expect(resultOf(response, person.id)).toMatchObject({ ok: false, changed: false, error: { code: 'escalation', action: 1 } });
      expect((await get(person.id)).roles).toEqual([]); // all or nothing: not even the Teacher role
    }
  });

  it('refuses an admin\'s own roles in a removeRole batch (self_change) and removes the others\'', async () => {
    const second = await createUser(admin2fa, { roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }] });
    const response = await bulk(admin2fa, { userIds: [trust.adminId, second.id], actions: [{ op: 'removeRole', roleId: presetIds.trustAdmin, nodeId: trust.rootId }] });
    expect(resultOf(response, trust.adminId)).toMatchObject({ ok: false, changed: false, error: { code: 'self_change', action: 0 } });
    expect(resultOf(response, second.id)).toEqual({ userId: second.id, ok: true, changed: true });
    expect(rolesAt(await get(trust.adminId), presetIds.trustAdmin, trust.rootId)).toHaveLength(1);
    expect(rolesAt(await get(second.id), presetIds.trustAdmin, trust.rootId)).toEqual([]);
  });

  it('keeps the last admin: Head Office can neither take the only Trust Admin\'s role nor deactivate them', async () => {
    const own = await makeTrust();
    const ownSecret = await enableTotp(own.token);
    const own2fa = (await signInWithTotp(own.adminEmail, ownSecret)).accessToken;
    const office = await createUser(own2fa, { roles: [{ roleId: presetIds.headOffice, nodeId: own.rootId }] });
    const officeSecret = await enableTotp(await activate(own, office));
    const officeToken = (await signInWithTotp(office.email, officeSecret)).accessToken;
    const before = await profileItem(own, own.adminId);
    const school = own.nodes['North School']!.id;
    for (const action of [{ op: 'removeRole', roleId: presetIds.trustAdmin, nodeId: own.rootId }, { op: 'deactivate' }]) {
      // With a placement before it: the person is changed all or nothing, so the placement does not land either.
      const response = await bulk(officeToken, { userIds: [own.adminId], actions: [{ op: 'addMembership', nodeId: school }, action] });
      expect([action.op, response.body.results[0]]).toMatchObject([action.op, { ok: false, changed: false, error: { code: 'last_admin', action: 1 } }]);
    }
    const after = await profileItem(own, own.adminId);
    expect({ status: after.status, version: after.version }).toEqual({ status: 'active', version: before.version });
    expect((await call('GET', `/users/${own.adminId}`, { token: own.token })).body.memberships).toEqual([]);
  });
});

describe('POST /users/bulk: dry runs, idempotency and the audit', () => {
  it('a dry run checks every guard, reports what would happen and writes nothing', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const head = await createUser(admin2fa, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.headTeacher, nodeId: north() }] });
    const ids = [...people.map((p) => p.id), head.id];
    const before = await Promise.all(ids.map(get));
    const auditBefore = await Promise.all(ids.map((id) => auditOf(trust, id)));
    const response = await bulk(schoolAdmin.token, { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }, { op: 'deactivate' }], dryRun: true }, { 'idempotency-key': 'dry-run-key' });
    expect(response.body).toMatchObject({ dryRun: true, applied: 2, failed: 1 });
    expect(response.body.results).toEqual([
      { userId: ids[0], ok: true, changed: true },
      { userId: ids[1], ok: true, changed: true },
      { userId: head.id, ok: false, changed: false, error: expect.objectContaining({ code: 'outranked', action: 1 }) },
    ]);
    expect(await Promise.all(ids.map(get))).toEqual(before);
    expect(await Promise.all(ids.map((id) => auditOf(trust, id)))).toEqual(auditBefore);
    // Nothing was stored under the key either: the real request with it runs.
    const real = await bulk(schoolAdmin.token, { userIds: people.map((p) => p.id), actions: [{ op: 'deactivate' }] }, { 'idempotency-key': 'dry-run-key' });
    expect(real.body).toMatchObject({ applied: 2, failed: 0, dryRun: false });
  });

  it('replays the first answer for the same Idempotency-Key (one change, one set of audit records) and refuses the key with another body (422)', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const ids = people.map((p) => p.id);
    const key = randomUUID();
    const body = { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }, { op: 'addMembership', nodeId: south() }] };
    const first = await bulk(trust.token, body, { 'idempotency-key': key });
    expect(first.body).toMatchObject({ applied: 2, failed: 0 });
    const versions = await Promise.all(ids.map(async (id) => (await get(id)).version));
    const repeat = await bulk(trust.token, body, { 'idempotency-key': key });
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body); // the same answer, bulkId included: changed stays true
    expect(await Promise.all(ids.map(async (id) => (await get(id)).version))).toEqual(versions);
    for (const id of ids) {
      const records = (await auditOf(trust, id)).filter((r: any) => r.bulkId !== undefined);
      expect(records.map((r: any) => r.action).sort()).toEqual(['membership.added', 'role.assigned']);
    }
    const other = await bulk(trust.token, { ...body, userIds: [ids[0]] }, { 'idempotency-key': key });
    expect(other).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused', errors: [{ path: 'Idempotency-Key' }] } });
    // Keys belong to their caller: another admin's same key is another request.
    const mine = await bulk(schoolAdmin.token, { userIds: [ids[0]], actions: [{ op: 'removeMembership', nodeId: south() }] }, { 'idempotency-key': key });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
  });

  it('runs a key once when the same request is sent twice at the same time (the other waits: 409 idempotency_in_progress, or gets the replay)', async () => {
    const person = await createUser(trust.token, staffAtNorth());
    const key = randomUUID();
    const body = { userIds: [person.id], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }, { op: 'addRole', roleId: presetIds.teacher, nodeId: south(), validUntil: '2030-01-01T00:00:00Z' }] };
    const answers = await Promise.all([bulk(trust.token, body, { 'idempotency-key': key }), bulk(trust.token, body, { 'idempotency-key': key })]);
    const ran = answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === null);
    expect(ran).toHaveLength(1);
    for (const other of answers.filter((a) => a !== ran[0])) {
      if (other.status === 200) expect(other.body).toEqual(ran[0]!.body);
      else expect(other).toMatchObject({ status: 409, body: { code: 'idempotency_in_progress' } });
    }
    expect((await get(person.id)).roles).toHaveLength(2);
    expect((await auditOf(trust, person.id)).filter((r: any) => r.action === 'role.assigned' && r.bulkId)).toHaveLength(2);
  });

  it('files every person\'s audit records under one bulk id, the one the answer gives', async () => {
    const people = [await createUser(trust.token, staffAtNorth()), await createUser(trust.token, staffAtNorth())];
    const response = await bulk(schoolAdmin.token, { userIds: people.map((p) => p.id), actions: [{ op: 'addRole', roleId: presetIds.teachingAssistant, nodeId: north() }, { op: 'deactivate' }] });
    expect(response.body.bulkId).toEqual(expect.any(String));
    for (const person of people) {
      const records = (await auditOf(trust, person.id)).filter((r: any) => r.bulkId === response.body.bulkId);
      expect(records.map((r: any) => [r.action, r.actorId]).sort()).toEqual([['role.assigned', schoolAdmin.user.id], ['user.deactivated', schoolAdmin.user.id]]);
    }
  });
});

describe('POST /users/bulk: concurrent requests on the same people', () => {
  it('loses nothing and duplicates no role when three bulk requests change the same people at once', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => createUser(trust.token, staffAtNorth())));
    const ids = people.map((p) => p.id);
    const answers = await Promise.all([
      bulk(trust.token, { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] }),
      bulk(trust.token, { userIds: [...ids].reverse(), actions: [{ op: 'addRole', roleId: presetIds.teachingAssistant, nodeId: north() }, { op: 'addMembership', nodeId: south() }] }),
      bulk(trust.token, { userIds: ids, actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] }),
    ]);
    for (const answer of answers) expect(answer.body.failed, JSON.stringify(answer.body)).toBe(0);
    // Of the two identical requests, exactly one changed each person.
    for (const id of ids) expect([answers[0]!, answers[2]!].filter((a) => resultOf(a, id).changed)).toHaveLength(1);
    for (const id of ids) {
      const user = await get(id);
      expect(rolesAt(user, presetIds.teacher, north())).toHaveLength(1);
      expect(rolesAt(user, presetIds.teachingAssistant, north())).toHaveLength(1);
      expect(user.memberships.map((m: any) => m.nodeId).sort()).toEqual([north(), south()].sort());
    }
  });
});

describe('POST /users/bulk: bad requests (400 naming the field)', () => {
  const action = () => ({ op: 'addRole', roleId: presetIds.teacher, nodeId: north() });
  const cases: [string, () => unknown, string][] = [
    ['more than 500 people', () => ({ userIds: Array.from({ length: MAX_BULK_USERS + 1 }, () => randomUUID()), actions: [action()] }), 'userIds'],
    ['a person twice', () => ({ userIds: ['a', 'a'], actions: [action()] }), 'userIds'],
    ['no action', () => ({ userIds: ['a'], actions: [] }), 'actions'],
    [`more than ${MAX_BULK_ACTIONS} actions`, () => ({ userIds: ['a'], actions: Array.from({ length: MAX_BULK_ACTIONS + 1 }, (_, i) => ({ op: 'addMembership', nodeId: `n${i}` })) }), 'actions'],
    ['an unknown op', () => ({ userIds: ['a'], actions: [{ op: 'promote' }] }), 'actions.0.op'],
    ['an action missing its node', () => ({ userIds: ['a'], actions: [{ op: 'addRole', roleId: presetIds.teacher }] }), 'actions.0.nodeId'],
    ['contradicting actions', () => ({ userIds: ['a'], actions: [action(), { op: 'removeRole', roleId: presetIds.teacher, nodeId: north() }] }), 'actions.1'],
    ['deactivate and activate together', () => ({ userIds: ['a'], actions: [{ op: 'deactivate' }, { op: 'activate' }] }), 'actions.1'],
  ];
  for (const [name, body, path] of cases) {
    it(`refuses ${name}`, async () => {
      const response = await bulk(trust.token, body());
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: any) => e.path)).toContain(path);
    });
  }

  it('refuses a malformed Idempotency-Key and a caller without users.bulk anywhere (403)', async () => {
    const bad = await bulk(trust.token, { userIds: ['a'], actions: [{ op: 'deactivate' }] }, { 'idempotency-key': 'has spaces in it' });
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ path: 'Idempotency-Key' }] } });
    const teacher = await actor(trust, teacherAtNorth());
    const refused = await bulk(teacher.token, { userIds: [schoolAdmin.user.id], actions: [{ op: 'deactivate' }] });
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });
});
