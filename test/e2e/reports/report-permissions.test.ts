import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { REPORT_FORMATS, REPORT_NAMES } from '../../../domain/reports/catalogue';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { actor, createUser } from '../../fixtures/people';
import { reportReaderRole } from '../../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * reports.view alone is no way round the directory's permissions (review E,
 * E6): every report lists people, so it is cut to the reader's reach of
 * reports.view ∩ users.view, and the users report as CSV (the directory
 * export's columns) ∩ users.export too, as GET /users and GET
 * /users/export.csv require. An empty cut is 403 `forbidden` naming the
 * missing permission. The same rule for schedule recipients, at creation,
 * on PATCH and at send time.
 */
let trust: TestTrust;
let admin: string;
/** Curriculum Administrator at North School: reports.view, neither users.view nor users.export. */
let curric: { user: any; token: string };
/** Trust Report Viewer: users.view and reports.view across the trust, not users.export. */
let viewer: { user: any; token: string };
/** Cluster Administrator at North: every report there, nothing of South. */
let northAdmin: { user: any; token: string };
/** reports.view at the trust, users.view and users.export only at North. */
let mixed: { user: any; token: string };
/** Head Teacher at North School: reports.schedule, users.view, users.export there. */
let northHead: { user: any; token: string };
let northDsl: any;
let southHead: any;
const node = (name: string) => trust.nodes[name]!.id;
const get = (token: string, name: string, format: string, nodeId?: string) =>
  call('GET', `/reports/${name}?format=${format}${nodeId ? `&nodeId=${nodeId}` : ''}${name === 'expiring-access' ? '&withinDays=365' : name === 'dormant-accounts' ? '&days=1' : ''}`, { token });
const text = (response: { body: unknown }) => (typeof response.body === 'string' ? response.body : JSON.stringify(response.body));

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const as = { ...trust, token: admin };
  const [reportsOnly, directoryOnly] = await Promise.all([reportReaderRole(admin, ['reports.view']), reportReaderRole(admin, ['users.view', 'users.export'])]);
  [curric, viewer, northAdmin, mixed, northHead, northDsl, southHead] = await Promise.all([
    actor(as, { firstName: 'Cora', lastName: 'Curriculum', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.curriculumAdministrator, nodeId: node('North School') }] }),
    actor(as, { firstName: 'Vic', lastName: 'Viewer', memberships: [{ nodeId: trust.rootId }], roles: [{ roleId: presetIds.trustReportViewer, nodeId: trust.rootId }] }),
    actor(as, { firstName: 'Nell', lastName: 'Northadmin', memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] }),
    actor(as, {
      firstName: 'Mix', lastName: 'Mixed', memberships: [{ nodeId: node('North') }],
      roles: [{ roleId: reportsOnly, nodeId: trust.rootId }, { roleId: directoryOnly, nodeId: node('North') }],
    }),
    actor(as, { firstName: 'Hal', lastName: 'Northhead', memberships: [{ nodeId: node('North School'), isManager: true }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] }),
    createUser(admin, {
      firstName: 'Mo', lastName: 'Bile', memberships: [{ nodeId: node('North School') }],
      roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') }],
    }),
    createUser(admin, {
      firstName: 'Sid', lastName: 'Southhead', memberships: [{ nodeId: node('South School'), isManager: true }],
      roles: [{ roleId: presetIds.headTeacher, nodeId: node('South School') }],
    }),
  ]);
}, 90_000);

describe('GET /reports/{name} needs the directory permissions too', () => {
  it('refuses a Curriculum Administrator (reports.view alone) every report, JSON and CSV: 403 forbidden naming users.view, as GET /users refuses them', async () => {
    expect((await call('GET', '/users', { token: curric.token })).status).toBe(403);
    expect((await call('GET', '/users/export.csv', { token: curric.token })).status).toBe(403);
    for (const name of REPORT_NAMES) {
      for (const format of REPORT_FORMATS) {
        const response = await get(curric.token, name, format, node('North School'));
        expect(response.status, `${name} ${format}`).toBe(403);
        expect(response.body.code, `${name} ${format}`).toBe('forbidden');
        expect(response.body.title, `${name} ${format}`).toContain('users.view');
        expect(text(response)).not.toContain('Bile');
      }
    }
  });

  it('gives a Trust Report Viewer the users report as JSON (what GET /users gives them) but not as CSV (403 naming users.export, as the export); the other reports in both formats', async () => {
    expect((await call('GET', '/users', { token: viewer.token })).status).toBe(200);
    expect((await call('GET', '/users/export.csv', { token: viewer.token })).status).toBe(403);
    const json = await get(viewer.token, 'users', 'json');
    expect(json.status).toBe(200);
    expect(text(json)).toContain(northDsl.id);
    expect(text(json)).toContain(southHead.id);
    const csv = await get(viewer.token, 'users', 'csv');
    expect(csv.status).toBe(403);
    expect(csv.body.code).toBe('forbidden');
    expect(csv.body.title).toContain('users.export');
    for (const name of REPORT_NAMES.filter((n) => n !== 'users')) {
      for (const format of REPORT_FORMATS) expect((await get(viewer.token, name, format)).status, `${name} ${format}`).toBe(200);
    }
    const sensitive = await get(viewer.token, 'sensitive-access', 'csv');
    expect(text(sensitive)).toContain('Bile');
  });

  it('gives a cluster admin their cluster in every report and format, and nothing of another cluster', async () => {
    for (const name of REPORT_NAMES) {
      for (const format of REPORT_FORMATS) {
        const response = await get(northAdmin.token, name, format);
        expect(response.status, `${name} ${format}`).toBe(200);
        const body = text(response);
        expect(body, `${name} ${format}`).not.toContain(southHead.id);
        expect(body, `${name} ${format}`).not.toContain('Southhead');
        expect(body, `${name} ${format}`).not.toContain('South');
        expect(body, `${name} ${format}`).not.toContain(node('South School'));
      }
    }
    expect(text(await get(northAdmin.token, 'users', 'csv'))).toContain('Bile');
    expect(text(await get(northAdmin.token, 'managers', 'json'))).toContain('Hal Northhead');
    const elsewhere = await get(northAdmin.token, 'users', 'json', node('South School'));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.title).toContain('reports.view');
  });

  it('cuts a reader with reports.view at the trust but users.view only at North to North, and refuses South naming users.view', async () => {
    for (const name of REPORT_NAMES) {
      const response = await get(mixed.token, name, 'json');
      expect(response.status, name).toBe(200);
      expect(text(response), name).not.toContain(southHead.id);
      expect(text(response), name).not.toContain('South');
    }
    expect(text(await get(mixed.token, 'users', 'csv'))).toContain(northDsl.id);
    expect(text(await get(mixed.token, 'access-review', 'json'))).toContain(northDsl.id);
    const south = await get(mixed.token, 'access-review', 'json', node('South School'));
    expect(south.status).toBe(403);
    expect(south.body.title).toContain('users.view');
  });
});

describe('schedules need the same of every recipient', () => {
  const daily = (report: string, recipientIds: string[]) => ({ report, params: { nodeId: node('North School') }, cadence: 'daily', hour: 8, recipientIds });

  it('refuses a recipient who could not read the report as CSV (400 recipient_cannot_view naming the missing permission), on POST and on PATCH', async () => {
    // The trust admin names the trust-level viewer: only a scheduler who can see a recipient learns what they lack (review G, G11).
    const noExport = await call('POST', '/report-schedules', { token: admin, body: daily('users', [northHead.user.id, viewer.user.id]) });
    expect(noExport.status).toBe(400);
    expect(noExport.body.code).toBe('recipient_cannot_view');
    expect(noExport.body.errors).toEqual([{ path: 'body.recipientIds.1', message: expect.stringContaining('users.export') }]);
    const noView = await call('POST', '/report-schedules', { token: northHead.token, body: daily('managers', [curric.user.id]) });
    expect(noView.status).toBe(400);
    expect(noView.body.errors).toEqual([{ path: 'body.recipientIds.0', message: expect.stringContaining('users.view') }]);

    // sensitive-access needs no users.export: the viewer may receive it, but not once it is changed into the users report.
    const created = await call('POST', '/report-schedules', { token: admin, body: daily('sensitive-access', [viewer.user.id]) });
    expect(created.status).toBe(201);
    const changed = await call('PATCH', `/report-schedules/${created.body.id}`, { token: admin, headers: { 'if-match': '"1"' }, body: { report: 'users' } });
    expect(changed.status).toBe(400);
    expect(changed.body.code).toBe('recipient_cannot_view');
    expect(changed.body.errors[0].message).toContain('users.export');
  });

  it('does not send the report to a recipient who has since lost users.view, and tells the owner', async () => {
    const directory = await reportReaderRole(admin, ['users.view', 'users.export']);
    const loser = await actor({ ...trust, token: admin }, {
      firstName: 'Lou', lastName: 'Loser', memberships: [{ nodeId: node('North School') }],
      roles: [{ roleId: presetIds.curriculumAdministrator, nodeId: node('North School') }, { roleId: directory, nodeId: node('North School') }],
    });
    const created = await call('POST', '/report-schedules', { token: northHead.token, body: { ...daily('users', [northHead.user.id, loser.user.id]), hour: 9 } });
    expect(created.status).toBe(201);
    // Still reports.view there (Curriculum Administrator), no users.view any more.
    const assignment = loser.user.roles.find((r: any) => r.roleId === directory);
    expect((await call('DELETE', `/users/${loser.user.id}/roles/${assignment.id}`, { token: admin })).status).toBe(204);

    // 09:30 in London in January (GMT).
    expect((await call('POST', `/_local/run/reports?at=${encodeURIComponent('2033-01-12T09:30:00.000Z')}`)).status).toBe(200);
    const sent = (email: string) => mailTo(email).then((mails) => mails.filter((m) => m.subject.includes('users report for')));
    expect(await sent(northHead.user.email)).toHaveLength(1);
    expect(await sent(loser.user.email)).toHaveLength(0);
    const [notice] = (await mailTo(northHead.user.email)).filter((m) => m.subject.includes('was not sent to everyone'));
    expect(notice!.text).toContain('Lou Loser');
    // What the owner got is cut to North School: nobody of South.
    const attachment = Buffer.from((await sent(northHead.user.email))[0]!.attachments![0]!.content, 'base64').toString('utf8');
    expect(attachment).toContain('Bile');
    expect(attachment).not.toContain('Southhead');
  });
});
