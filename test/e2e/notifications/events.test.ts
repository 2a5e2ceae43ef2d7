import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let admin: string;
let school: string;
let southSchool: string;

const event = (overrides: Record<string, unknown> = {}) => ({
  category: 'behaviour', nodeId: school, title: 'Detention', summary: 'Late three times', link: 'https://behaviour.example/incidents/1',
  occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID(), ...overrides,
});

const post = (token: string, body: unknown) => call('POST', '/notifications/events', { token, body });
const feedIds = async (token: string) => ((await call('GET', '/me/notifications', { token })).body.items as { id: string }[]).map((i) => i.id);

async function person(roleId: string, nodeId: string, options: { mfa?: boolean } = {}) {
  const user = await createUser(admin, { memberships: [{ nodeId }], roles: [{ roleId, nodeId }] });
  const token = await activate(trust, user);
  if (!options.mfa) return { user, token };
  const secret = await turnOnTotp(token);
  return { user, token: await signInWithTotp(user.email, TEST_PASSWORD, secret) };
}

beforeAll(async () => {
  trust = await makeTrust();
  school = trust.nodes['North School']!.id;
  southSchool = trust.nodes['South School']!.id;
  // The safeguarding roles are granted only from a 2FA session.
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
});

describe('POST /notifications/events', () => {
  it("answers the same count for a pupil someone is blocked from as for any other, while the blocked person hears nothing (review J, J4)", async () => {
    const school2 = trust.nodes['Sub School']!.id;
    const inSub = async () => {
      const user = await createUser(admin, { memberships: [{ nodeId: school2 }], roles: [{ roleId: presetIds.teacher, nodeId: school2 }] });
      return { user, token: await activate(trust, user) };
    };
    const [blocked, other] = await Promise.all([inSub(), inSub()]);
    const pupil = `pupil-${randomUUID()}`;
    expect((await call('PUT', `/users/${blocked.user.id}/blocks/${pupil}`, { token: admin, body: { schoolId: school2 } })).status).toBe(200);
    const aboutBlocked = await post(admin, event({ nodeId: school2, subjectId: pupil }));
    const aboutAnother = await post(admin, event({ nodeId: school2, subjectId: `pupil-${randomUUID()}` }));
    expect(aboutBlocked.status).toBe(202);
    expect(aboutBlocked.body.recipients).toBe(aboutAnother.body.recipients);
    expect(await feedIds(blocked.token)).not.toContain(aboutBlocked.body.id);
    expect(await feedIds(blocked.token)).toContain(aboutAnother.body.id);
    expect(await feedIds(other.token)).toEqual(expect.arrayContaining([aboutBlocked.body.id, aboutAnother.body.id]));
  });

  it('decides the recipients on arrival: the school\'s teachers, not another school\'s', async () => {
    const teacher = await person(presetIds.teacher, school);
    const southTeacher = await person(presetIds.teacher, southSchool);
    const accepted = await post(admin, event());
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ id: expect.any(String), duplicate: false });
    expect(accepted.body.recipients).toBeGreaterThanOrEqual(1);
    expect(await feedIds(teacher.token)).toContain(accepted.body.id);
    expect(await feedIds(southTeacher.token)).not.toContain(accepted.body.id);
    const entry = (await call('GET', '/me/notifications', { token: teacher.token })).body.items[0];
    expect(entry).toMatchObject({ category: 'behaviour', nodeId: school, title: 'Detention', delivery: 'digest' });
  });

  it('reaches a DSL with 2FA about a child protection concern, never a DSL blocked from the pupil, one without 2FA, or a teacher', async () => {
    const dsl = await person(presetIds.designatedSafeguardingLead, school, { mfa: true });
    const blocked = await person(presetIds.designatedSafeguardingLead, school, { mfa: true });
    const noMfa = await person(presetIds.designatedSafeguardingLead, school);
    const teacher = await person(presetIds.teacher, school);
    const pupil = `pupil-${randomUUID()}`;
    const block = await call('PUT', `/users/${blocked.user.id}/blocks/${pupil}`, { token: admin, body: { schoolId: school, reason: 'family member' } });
    expect(block.status).toBe(200);
    const accepted = await post(admin, event({ category: 'child_protection', subjectId: pupil, title: 'Concern', summary: undefined, link: undefined }));
    expect(accepted.status).toBe(202);
    expect(await feedIds(dsl.token)).toContain(accepted.body.id);
    for (const other of [blocked, noMfa, teacher]) expect(await feedIds(other.token)).not.toContain(accepted.body.id);
    const entry = (await call('GET', '/me/notifications', { token: dsl.token })).body.items[0];
    expect(entry).toMatchObject({ category: 'child_protection', subjectId: pupil, delivery: 'immediate' });
  });

  it('reaches a parent only about a pupil they are linked to: an event about no one reaches no parent, even with a custom role giving parents the permission', async () => {
    const role = await call('POST', '/roles', { token: admin, body: { name: `Parents hear behaviour ${randomUUID().slice(0, 8)}`, permissions: ['behaviour.view'] } });
    expect(role.status).toBe(201);
    const user = await createUser(admin, { userType: 'parent', memberships: [{ nodeId: school }], roles: [{ roleId: role.body.id, nodeId: school }] });
    const parent = { user, token: await activate(trust, user) };
    const child = `pupil-${randomUUID()}`;
    expect((await call('PUT', `/users/${parent.user.id}/children/${child}`, { token: admin, body: { schoolId: school } })).status).toBe(200);
    const staff = await person(role.body.id, school);
    const aboutNoOne = await post(admin, event({ title: 'Whole-school merit assembly' }));
    const aboutChild = await post(admin, event({ subjectId: child }));
    const aboutOther = await post(admin, event({ subjectId: `pupil-${randomUUID()}` }));
    const seen = await feedIds(parent.token);
    expect(seen).toContain(aboutChild.body.id);
    expect(seen).not.toContain(aboutNoOne.body.id);
    expect(seen).not.toContain(aboutOther.body.id);
    // Staff with the same role hear of all three.
    expect(await feedIds(staff.token)).toEqual(expect.arrayContaining([aboutNoOne.body.id, aboutChild.body.id, aboutOther.body.id]));
  });

  it('leaves out a person who turned the category off', async () => {
    const teacher = await person(presetIds.teacher, school);
    expect((await call('PUT', '/me/notification-preferences', { token: teacher.token, body: { categories: { behaviour: 'off' } }, headers: { 'if-match': '0' } })).status).toBe(200);
    const accepted = await post(admin, event());
    expect(await feedIds(teacher.token)).not.toContain(accepted.body.id);
  });

  it('answers the first event again for the same idempotencyKey and stores nothing new', async () => {
    const teacher = await person(presetIds.teacher, school);
    const body = event();
    const first = await post(admin, body);
    const again = await post(admin, { ...body, title: 'Something else' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: first.body.id, recipients: first.body.recipients, duplicate: true });
    expect((await feedIds(teacher.token)).filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it('is refused without notifications.send at the node (403), for a service category or an unknown node (400)', async () => {
    const teacher = await person(presetIds.teacher, school);
    expect((await post(teacher.token, event())).status).toBe(403);
    for (const [body, path] of [[event({ category: 'account_security' }), 'category'], [event({ nodeId: 'no-such-node' }), 'nodeId'], [event({ link: 'javascript:alert(1)' }), 'link']] as const) {
      const response = await post(admin, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors.map((e: any) => e.path)).toContain(path);
    }
  });
});

describe('GET /me/notifications', () => {
  it('pages newest first with a cursor that never repeats an entry', async () => {
    const teacher = await person(presetIds.teacher, school);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await post(admin, event({ title: `Event ${i}` }))).body.id);
    const first = await call('GET', '/me/notifications?limit=2', { token: teacher.token });
    expect(first.body.items.map((i: any) => i.id)).toEqual([ids[2], ids[1]]);
    const second = await call('GET', `/me/notifications?limit=2&cursor=${first.body.nextCursor}`, { token: teacher.token });
    expect(second.body.items.map((i: any) => i.id)).toEqual([ids[0]]);
    expect((await call('GET', '/me/notifications?cursor=nonsense', { token: teacher.token })).status).toBe(400);
  });
});
