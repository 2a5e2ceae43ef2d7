import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { actor, createUser } from '../../fixtures/people';
import { reportReaderRole } from '../../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let admin: string;
let northHead: { user: any; token: string };
let reader: { user: any; token: string };
let leaver: { user: any; token: string };
/** Loses the role that gave them reports.view after the schedule is made. */
let mover: { user: any; token: string };
/** Reads every report (reports.view, users.view, users.export): reportReaderRole. */
let readerRole: string;
const node = (name: string) => trust.nodes[name]!.id;

const run = async (at: string) => {
  const response = await call('POST', `/_local/run/reports?at=${encodeURIComponent(at)}`);
  expect(response.status).toBe(200);
  return response.body.summary;
};
const reports = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('users report for'));
const notices = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('was not sent to everyone'));

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const as = { ...trust, token: admin };
  readerRole = await reportReaderRole(admin);
  [northHead, reader, leaver, mover] = await Promise.all([
    actor(as, { firstName: 'Nora', lastName: 'North', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] }),
    // A member of North School (its head names only recipients they can see: review G, G11), reading the North cluster.
    actor(as, { firstName: 'Rita', lastName: 'Reader', memberships: [{ nodeId: node('North') }, { nodeId: node('North School') }], roles: [{ roleId: readerRole, nodeId: node('North') }] }),
    actor(as, { firstName: 'Lee', lastName: 'Leaver', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: readerRole, nodeId: node('North School') }] }),
    actor(as, { firstName: 'Max', lastName: 'Mover', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: readerRole, nodeId: node('North School') }] }),
    createUser(admin, { firstName: '=SUM(1+1)', lastName: 'Formula', memberships: [{ nodeId: node('North School') }] }),
    createUser(admin, { firstName: 'Sue', lastName: 'South', memberships: [{ nodeId: node('South School') }] }),
  ]);
}, 60_000);

describe('the reports job', () => {
  it('sends a due schedule once per period to each recipient who may still view it, the CSV attached and cut to the node; the owner told once about a deactivated recipient', async () => {
    const created = await call('POST', '/report-schedules', {
      token: northHead.token,
      body: { report: 'users', params: { nodeId: node('North School') }, cadence: 'daily', hour: 8, recipientIds: [northHead.user.id, reader.user.id, leaver.user.id, mover.user.id] },
    });
    expect(created.status).toBe(201);
    expect((await call('POST', `/users/${leaver.user.id}/deactivate`, { token: admin })).status).toBe(200);
    expect((await call('DELETE', `/users/${mover.user.id}/roles/${mover.user.roles[0].id}`, { token: admin })).status).toBe(204);

    // London is on GMT in March before the clocks change: 08:15Z is 08:15 there. An hour earlier is not due.
    await run('2031-03-05T07:15:00.000Z');
    expect(await reports(northHead.user.email)).toHaveLength(0);
    await run('2031-03-05T08:15:00.000Z');
    await run('2031-03-05T08:45:00.000Z');
    const [mail, ...more] = await reports(northHead.user.email);
    expect(more).toHaveLength(0);
    expect(await reports(reader.user.email)).toHaveLength(1);
    expect(await reports(leaver.user.email)).toHaveLength(0);
    expect(await reports(mover.user.email)).toHaveLength(0);
    const [notice, ...again] = await notices(northHead.user.email);
    expect(again).toHaveLength(0);
    expect(notice!.text).toContain('Lee Leaver');
    expect(notice!.text).toContain('Max Mover');

    expect(mail!.attachments).toHaveLength(1);
    const attachment = mail!.attachments![0]!;
    expect(attachment.filename).toBe('users-2031-03-05.csv');
    const text = Buffer.from(attachment.content, 'base64').toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const rows = parse(text.slice(1), { columns: true }) as Record<string, string>[];
    // The leaver is inactive (left out, as the export does); nobody of South School.
    expect(rows.map((r) => r.lastName).sort()).toEqual(['Formula', 'Mover', 'North', 'Reader']);
    expect(rows.find((r) => r.lastName === 'Formula')!.firstName).toBe("'=SUM(1+1)");

    // The next day: sent again, the owner not told again.
    await run('2031-03-06T09:00:00.000Z');
    expect(await reports(northHead.user.email)).toHaveLength(2);
    expect(await reports(reader.user.email)).toHaveLength(2);
    expect(await notices(northHead.user.email)).toHaveLength(1);
  });

  it('stops a schedule altogether once its owner is deactivated (a leaver\'s schedule does not keep mailing others)', async () => {
    const as = { ...trust, token: admin };
    const [owner, recipient] = await Promise.all([
      actor(as, { firstName: 'Olga', lastName: 'Owner', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] }),
      actor(as, { firstName: 'Rex', lastName: 'Recipient', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: readerRole, nodeId: node('North School') }] }),
    ]);
    // Monthly on the 15th: no other test runs the job on a 15th, so only this test's runs can send it.
    const created = await call('POST', '/report-schedules', {
      token: owner.token,
      body: { report: 'users', params: { nodeId: node('North School') }, cadence: 'monthly', dayOfMonth: 15, hour: 5, recipientIds: [recipient.user.id] },
    });
    expect(created.status).toBe(201);
    const periods = async () => (await reports(recipient.user.email)).map((m) => m.attachments?.[0]?.filename);

    await run('2033-05-15T05:30:00.000Z');
    expect(await periods()).toEqual(['users-2033-05-15.csv']);
    expect((await call('POST', `/users/${owner.user.id}/deactivate`, { token: admin })).status).toBe(200);
    const summary = await run('2033-06-15T05:30:00.000Z');
    expect(summary.skipped).toBeGreaterThanOrEqual(1);
    expect(await periods()).toEqual(['users-2033-05-15.csv']);
    // Still listed for whoever manages schedules (to delete it or take it over).
    const listed = await call('GET', '/report-schedules', { token: admin });
    expect(listed.body.items.map((s: any) => s.id)).toContain(created.body.id);
  });
});
