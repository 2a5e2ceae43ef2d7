import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { reportReaderRole } from '../../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Review G, G11: naming schedule recipients is no way to learn about people
 * outside one's users.view reach. A school-level scheduler naming an id that
 * does not exist, an active person at another school, a deactivated one there
 * or a trust-level reader (who could read the report) gets one and the same
 * entry for each; a recipient they can see keeps the detail (the missing code).
 */
let trust: TestTrust;
let admin: string;
type Actor = { user: any; token: string };
/** Head Teacher at North School: reports.schedule, users.view there. */
let northHead: Actor;
/** Active at South School, reading reports there (reports.view, users.view, users.export at South School). */
let southReader: Actor;
/** Was at South School with the same role; deactivated. */
let southLeaver: Actor;
/** Reads reports across the trust (the reader role at the root): could read North School's, but North's head cannot see them. */
let trustReader: Actor;
/** A teacher at North School: visible to North's head, no reports.view. */
let northTeacher: Actor;
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const as = { ...trust, token: admin };
  const readerRole = await reportReaderRole(admin);
  [northHead, southReader, southLeaver, trustReader, northTeacher] = await Promise.all([
    actor(as, { firstName: 'Nora', lastName: 'North', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] }),
    actor(as, { firstName: 'Sid', lastName: 'South', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: readerRole, nodeId: node('South School') }] }),
    actor(as, { firstName: 'Liz', lastName: 'Leaver', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: readerRole, nodeId: node('South School') }] }),
    actor(as, { firstName: 'Tia', lastName: 'Trust', roles: [{ roleId: readerRole, nodeId: trust.rootId }] }),
    actor(as, { firstName: 'Ted', lastName: 'Teacher', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
  ]);
  expect((await call('POST', `/users/${southLeaver.user.id}/deactivate`, { token: admin })).status).toBe(200);
}, 60_000);

const daily = (recipientIds: string[]) => ({ report: 'users', params: { nodeId: node('North School') }, cadence: 'daily', hour: 8, recipientIds });

describe('schedule recipients outside the scheduler\'s reach (review G, G11)', () => {
  it('answers an unknown id, an active or a deactivated person at another school and a trust-level reader with the very same entry; a visible recipient keeps the missing code', async () => {
    const unknown = randomUUID();
    const unseen = [unknown, southReader.user.id, southLeaver.user.id, trustReader.user.id];
    const refused = await call('POST', '/report-schedules', { token: northHead.token, body: daily([northHead.user.id, ...unseen, northTeacher.user.id]) });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('recipient_cannot_view');
    // Each unseen entry is the unknown id's, with only the id and its index in place: no code named, nothing telling them apart.
    const entries = refused.body.errors as { path: string; message: string }[];
    const unseenEntries = entries.filter((e) => unseen.some((id) => e.message.startsWith(id)));
    expect(unseenEntries).toHaveLength(4);
    const shapes = unseenEntries.map((e, i) => ({ path: e.path.replace(/\d+$/, '<i>'), message: e.message.replace(unseen[i]!, '<id>') }));
    expect(unseenEntries.map((e) => e.path)).toEqual(['body.recipientIds.1', 'body.recipientIds.2', 'body.recipientIds.3', 'body.recipientIds.4']);
    for (const shape of shapes) expect(shape).toEqual({ path: 'body.recipientIds.<i>', message: `<id> cannot view this report at ${node('North School')}` });
    // The visible teacher keeps today's detail: the first code missing there.
    expect(entries.find((e) => e.path === 'body.recipientIds.5')).toEqual({ path: 'body.recipientIds.5', message: `${northTeacher.user.id} cannot view this report at ${node('North School')} (needs reports.view there)` });
    expect(entries).toHaveLength(5);

    // Alone, each gets the same answer as the unknown id alone (the whole problem document, the id aside).
    const alone = async (id: string) => {
      const answer = await call('POST', '/report-schedules', { token: northHead.token, body: daily([id]) });
      expect(answer.status).toBe(400);
      return JSON.stringify(answer.body).replaceAll(id, '<id>');
    };
    const baseline = await alone(unknown);
    for (const id of unseen.slice(1)) expect(await alone(id)).toBe(baseline);
    // The same on PATCH of a schedule the head may change.
    const own = await call('POST', '/report-schedules', { token: northHead.token, body: daily([northHead.user.id]) });
    expect(own.status).toBe(201);
    const patched = await Promise.all(unseen.map((id) => call('PATCH', `/report-schedules/${own.body.id}`, { token: northHead.token, body: { recipientIds: [id] }, headers: { 'if-match': '"1"' } })));
    expect(patched.map((p) => p.status)).toEqual([400, 400, 400, 400]);
    expect(new Set(patched.map((p, i) => JSON.stringify(p.body).replaceAll(unseen[i]!, '<id>'))).size).toBe(1);
  });

  it('keeps the detail for whoever can see them: the trust admin names the trust-level reader (accepted) and learns what the South School reader lacks at North', async () => {
    const created = await call('POST', '/report-schedules', { token: admin, body: daily([trustReader.user.id]) });
    expect(created.status).toBe(201);
    const refused = await call('POST', '/report-schedules', { token: admin, body: daily([southReader.user.id, southLeaver.user.id]) });
    expect(refused.body.errors).toEqual([
      { path: 'body.recipientIds.0', message: `${southReader.user.id} cannot view this report at ${node('North School')} (needs reports.view there)` },
      { path: 'body.recipientIds.1', message: `${southLeaver.user.id} cannot view this report at ${node('North School')}` },
    ]);
  });
});
