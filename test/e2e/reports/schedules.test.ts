import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { reportReaderRole } from '../../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let admin: string;
/**
 * Reads reports in the North cluster (reports.view, users.view, users.export: reportReaderRole), no reports.schedule; a
 * member of North School, so its head sees them and may name them (review G, G11: only a recipient in reach may be named).
 */
let reader: { user: any; token: string };
/** Head Teacher at North School: reports.view and reports.schedule there. */
let northHead: { user: any; token: string };
let southHead: { user: any; token: string };
let teacher: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const readerRole = await reportReaderRole(admin);
  [reader, northHead, southHead, teacher] = await Promise.all([
    actor({ ...trust, token: admin }, { firstName: 'Rita', lastName: 'Reader', memberships: [{ nodeId: node('North') }, { nodeId: node('North School') }], roles: [{ roleId: readerRole, nodeId: node('North') }] }),
    actor({ ...trust, token: admin }, { firstName: 'Nora', lastName: 'North', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] }),
    actor({ ...trust, token: admin }, { firstName: 'Sam', lastName: 'South', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('South School') }] }),
    actor({ ...trust, token: admin }, { firstName: 'Tom', lastName: 'Teacher', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
  ]);
}, 60_000);

const weekly = (nodeId: string, recipientIds: string[]) => ({ report: 'users', params: { nodeId }, cadence: 'weekly', dayOfWeek: 1, hour: 7, recipientIds });

describe('/report-schedules', () => {
  it('creates a schedule with reports.schedule at its node for recipients who may view the report there, audited', async () => {
    const created = await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('North School'), [northHead.user.id, reader.user.id]) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ownerId: northHead.user.id, report: 'users', nodeId: node('North School'), params: { nodeId: node('North School') }, cadence: 'weekly', dayOfWeek: 1, hour: 7, version: 1 });
    expect(created.headers.get('etag')).toBe('"1"');
    const audit = await call('GET', `/audit?targetId=${created.body.id}`, { token: admin });
    expect(audit.body.items.map((r: any) => r.action)).toEqual(['report_schedule.created']);
  });

  it('refuses a recipient without reports.view at the node (400 recipient_cannot_view naming them), and a scheduler without reports.schedule there', async () => {
    const refused = await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('North School'), [northHead.user.id, teacher.user.id]) });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('recipient_cannot_view');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'body.recipientIds.1', message: expect.stringContaining(teacher.user.id) })]);
    // The reader may view at North School but not at South School.
    const elsewhere = await call('POST', '/report-schedules', { token: admin, body: weekly(node('South School'), [reader.user.id]) });
    expect(elsewhere.body.code).toBe('recipient_cannot_view');
    expect((await call('POST', '/report-schedules', { token: northHead.token, body: weekly(node('South School'), [northHead.user.id]) })).status).toBe(403);
    expect((await call('POST', '/report-schedules', { token: reader.token, body: weekly(node('North'), [reader.user.id]) })).status).toBe(403);
    const noDay = await call('POST', '/report-schedules', { token: northHead.token, body: { ...weekly(node('North School'), [northHead.user.id]), dayOfWeek: undefined } });
    expect(noDay.status).toBe(400);
    expect(noDay.body.errors.map((e: any) => e.path)).toEqual(['body.dayOfWeek']);
    const badParam = await call('POST', '/report-schedules', { token: northHead.token, body: { ...weekly(node('North School'), [northHead.user.id]), report: 'dormant-accounts', params: { nodeId: node('North School'), days: 0 } } });
    expect(badParam.body.errors.map((e: any) => e.path)).toEqual(['params.days']);
  });

  it('lists your own schedules, and anyone\'s in reach with reports.manage_schedules; PATCH with If-Match, DELETE', async () => {
    const own = await call('POST', '/report-schedules', { token: southHead.token, body: { report: 'managers', cadence: 'daily', hour: 6, params: { nodeId: node('South School') }, recipientIds: [southHead.user.id] } });
    expect(own.status).toBe(201);
    const mine = (token: string) => call('GET', '/report-schedules', { token }).then((r) => r.body.items.map((s: any) => s.ownerId));
    expect(await mine(southHead.token)).toEqual([southHead.user.id]);
    expect(await mine(northHead.token)).toEqual([northHead.user.id]);
    expect(await mine(reader.token)).toEqual([]);
    expect((await mine(admin)).sort()).toEqual([northHead.user.id, southHead.user.id].sort());

    // Someone else's schedule is not there for a head teacher of another school.
    expect((await call('PATCH', `/report-schedules/${own.body.id}`, { token: northHead.token, body: { hour: 9 }, headers: { 'if-match': '"1"' } })).status).toBe(404);
    expect((await call('DELETE', `/report-schedules/${own.body.id}`, { token: northHead.token })).status).toBe(404);

    expect((await call('PATCH', `/report-schedules/${own.body.id}`, { token: southHead.token, body: { hour: 9 } })).status).toBe(428);
    const changed = await call('PATCH', `/report-schedules/${own.body.id}`, { token: southHead.token, body: { hour: 9, cadence: 'monthly', dayOfMonth: 1 }, headers: { 'if-match': '"1"' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ hour: 9, cadence: 'monthly', dayOfMonth: 1, version: 2 });
    expect((await call('PATCH', `/report-schedules/${own.body.id}`, { token: southHead.token, body: { hour: 10 }, headers: { 'if-match': '"1"' } })).status).toBe(412);
    const badRecipient = await call('PATCH', `/report-schedules/${own.body.id}`, { token: admin, body: { recipientIds: [northHead.user.id] }, headers: { 'if-match': '"2"' } });
    expect(badRecipient.body.code).toBe('recipient_cannot_view');

    // The trust admin manages anyone's schedules.
    expect((await call('DELETE', `/report-schedules/${own.body.id}`, { token: admin })).status).toBe(204);
    expect(await mine(southHead.token)).toEqual([]);
    const audit = await call('GET', `/audit?targetId=${own.body.id}`, { token: admin });
    expect(audit.body.items.map((r: any) => r.action)).toEqual(['report_schedule.deleted', 'report_schedule.changed', 'report_schedule.created']);
  });
});
