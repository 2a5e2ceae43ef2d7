import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkUntil } from '../../domain/reports/emails';
import { REPORT_FILE_DAYS, signReportFileLink, verifyReportFileLink } from '../../domain/reports/report-file';
import { handler as reportsJob } from '../../functions/reports/reports-job';
import { call, stack } from '../fixtures/api';
import { mailTo, type Mail } from '../fixtures/mail';
import { reportCast } from '../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';
import { TEST_WEB_APP_URL } from '../support/global-setup';
import { assertConforms } from '../support/openapi-conformance';

// Review E, E4: a scheduled report too large to attach is emailed as a link of our own that works REPORT_FILE_DAYS.
// The job runs in this process, as the local stack's would, with the attachment limit lowered to one byte so that any
// report takes the link path; the file goes to the folder the local gateway serves as the exports bucket, and the link is
// signed with the stack's own key, so the gateway's route checks it as it would one the stack's job made.
const linkKey = readFileSync(join(stack().stateDir, 'link-signing-key'), 'utf8').trim();
Object.assign(process.env, {
  REPORT_ATTACHMENT_MAX_BYTES: '1',
  LINK_SIGNING_KEY: linkKey,
  EXPORT_LOCAL_DIR: join(stack().stateDir, 'exports'),
  // The link is built on the API's own URL, never on the web app's (review H, H-3).
  PUBLIC_API_URL: stack().url,
  APP_URL: TEST_WEB_APP_URL,
});

let trust: TestTrust;
let admin: string;
let owner: { user: any; token: string };
let ann: { user: any; token: string };
let ben: { user: any; token: string };
/** Recipients of the second test's schedules (review G, G6). */
let later: { user: any; token: string }[];

// The 23rd at 04:30 (GMT in London in January): no other test's schedule is due then, and this run sends no other.
const AT = '2035-01-23T04:30:00.000Z';
const reports = async (email: string, period: string) => (await mailTo(email)).filter((m) => m.subject.includes(`users report for North School (${period})`));

/** The link in a report email, as its parts. */
function linkOf(mail: Mail): { url: URL; id: string; e: string; s: string } {
  const found = /https?:\/\/\S+\/reports\/files\/[A-Za-z0-9_-]+\?e=\d+&s=[A-Za-z0-9_-]+/.exec(mail.text);
  if (!found) throw new Error(`no report link in "${mail.subject}"`);
  const url = new URL(found[0]);
  return { url, id: url.pathname.split('/').pop()!, e: url.searchParams.get('e')!, s: url.searchParams.get('s')! };
}

/** Opens a link as a browser would, without following the redirect; the answer is checked against /openapi.json. */
async function open(link: { id: string; e: string; s: string } | string) {
  const path = typeof link === 'string' ? link : `/reports/files/${link.id}?e=${link.e}&s=${link.s}`;
  const response = await fetch(`${stack().url}${path}`, { redirect: 'manual' });
  const text = await response.text();
  const body: any = /json/.test(response.headers.get('content-type') ?? '') && text ? JSON.parse(text) : text;
  assertConforms('GET', path, response.status, response.headers.get('content-type'), body, text);
  return { status: response.status, location: response.headers.get('location'), body };
}

beforeAll(async () => {
  trust = await makeTrust();
  const cast = await reportCast(trust, ['Ann', 'Ben', 'Cat', 'Dan', 'Eve', 'Fay']);
  ({ admin, owner } = cast);
  [ann, ben, ...later] = cast.recipients as [typeof owner, typeof owner, ...(typeof owner)[]];
  const created = await call('POST', '/report-schedules', {
    token: owner.token,
    body: { report: 'users', params: { nodeId: trust.nodes['North School']!.id }, cadence: 'monthly', dayOfMonth: 23, hour: 4, recipientIds: [ann.user.id, ben.user.id] },
  });
  expect(created.status).toBe(201);
}, 60_000);

describe('an emailed report too large to attach (review E, E4)', () => {
  it('is emailed as our own link that works for days: 303 to a fresh short-lived download of the CSV; forged, altered, another recipient\'s and expired links are refused; a deactivated or locked recipient is refused', async () => {
    expect(await reportsJob({ time: AT })).toMatchObject({ sent: 2, failed: 0 });
    const [annMail, ...moreAnn] = await reports(ann.user.email, '2035-01-23');
    const [benMail] = await reports(ben.user.email, '2035-01-23');
    expect(moreAnn).toHaveLength(0);
    expect(annMail!.attachments ?? []).toHaveLength(0);
    expect(annMail!.html).toContain('/reports/files/');
    const link = linkOf(annMail!);
    expect(link.url.origin).toBe(stack().url);
    // REPORT_FILE_DAYS (7) after the send: the run's time, or now when the run was given a later one (as here, 2035), so the
    // link never outlives the stored file. The email says until when, on the trust's clock.
    expect(REPORT_FILE_DAYS).toBe(7);
    expect(Number(link.e) * 1000 - Date.now()).toBeGreaterThan(7 * 86_400_000 - 120_000);
    expect(Number(link.e) * 1000 - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(annMail!.text).toContain(`until ${linkUntil(new Date(Number(link.e) * 1000), 'Europe/London')}.`);
    const benLink = linkOf(benMail!);
    expect(benLink.id).not.toBe(link.id);

    // Opened with no bearer token: 303 to a presigned download that works minutes, not days.
    const opened = await open(link);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(opened.body.url);
    const download = new URL(opened.location!);
    expect(download.pathname).toMatch(new RegExp(`^/_local/exports/reports/${trust.trustId}/[0-9a-f-]{36}/users-2035-01-23\\.csv$`));
    const downloadExpires = Number(download.searchParams.get('expires'));
    expect(downloadExpires * 1000).toBeGreaterThan(Date.now());
    expect(downloadExpires * 1000).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const file = await fetch(download);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="users-2035-01-23.csv"');
    const rows = parse((await file.text()).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.firstName).sort()).toEqual(expect.arrayContaining(['Ann', 'Ben', 'Olive']));
    // Ben's file is his own object (his reach at send time), reached through his own link.
    const benOpened = await open(benLink);
    expect(benOpened.status).toBe(303);
    expect(new URL(benOpened.location!).pathname).not.toBe(download.pathname);

    // Long after any presigned URL made at the send would have expired (at most an hour): a link sent 2 hours ago, whose
    // expiry is 7 days after that, still gives a fresh download. The route keeps no state but the link: its `e` is its age.
    const claim = verifyReportFileLink(link, linkKey)!;
    const sentTwoHoursAgo = signReportFileLink(claim.file, Math.floor((Date.now() - 2 * 3_600_000) / 1000) + REPORT_FILE_DAYS * 86_400, linkKey);
    const later = await open(sentTwoHoursAgo);
    expect(later.status).toBe(303);
    expect((await fetch(later.location!)).status).toBe(200);

    // Altered: the signature, the expiry (a later one), the file id; another recipient's id under Ann's signature; Ben's signature on Ann's file.
    const refused = async (l: { id: string; e: string; s: string }, status: number, code: string) => {
      const answer = await open(l);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.code).toBe(code);
      expect(answer.location).toBeNull();
    };
    await refused({ ...link, s: `${link.s.slice(0, -2)}${link.s.endsWith('AA') ? 'BB' : 'AA'}` }, 403, 'invalid_link');
    await refused({ ...link, e: String(Number(link.e) + 86_400) }, 403, 'invalid_link');
    const parts = JSON.parse(Buffer.from(link.id, 'base64url').toString('utf8')) as string[];
    expect(parts).toHaveLength(7);
    const asBen = Buffer.from(JSON.stringify([parts[0], ben.user.id, ...parts.slice(2)])).toString('base64url');
    await refused({ ...link, id: asBen }, 403, 'invalid_link');
    const otherFile = Buffer.from(JSON.stringify([parts[0], parts[1], '00000000-0000-4000-8000-000000000000', ...parts.slice(3)])).toString('base64url');
    await refused({ ...link, id: otherFile }, 403, 'invalid_link');
    // Another schedule or node in the claim (review G, G6): as altered as any other part.
    await refused({ ...link, id: Buffer.from(JSON.stringify([...parts.slice(0, 4), 'another-schedule', ...parts.slice(5)])).toString('base64url') }, 403, 'invalid_link');
    await refused({ ...link, id: Buffer.from(JSON.stringify([...parts.slice(0, 6), trust.nodes['South School']!.id])).toString('base64url') }, 403, 'invalid_link');
    await refused({ ...link, s: benLink.s }, 403, 'invalid_link');
    // A link signed with another key (not one this service gave out).
    await refused(signReportFileLink(claim.file, Number(link.e), `${linkKey}x`), 403, 'invalid_link');
    // Malformed: no signature, an expiry that is no number.
    expect((await open(`/reports/files/${link.id}?e=${link.e}`)).status).toBe(400);
    expect((await open(`/reports/files/${link.id}?e=soon&s=${link.s}`)).status).toBe(400);

    // Expired: the same schedule's run of a month long gone emails a genuine link whose week is over, dated from that run,
    // 'until Thursday, 30 January 2020, 04:30 (Europe/London)' (410); the same link with
    // its expiry moved on is a forgery (403), so only a genuine link learns that it expired.
    expect(await reportsJob({ time: '2020-01-23T04:30:00.000Z' })).toMatchObject({ sent: 2, failed: 0 });
    const [oldMail] = await reports(ann.user.email, '2020-01-23');
    const old = linkOf(oldMail!);
    expect(Number(old.e)).toBe(Date.parse('2020-01-30T04:30:00.000Z') / 1000);
    expect(oldMail!.text).toContain('until Thursday, 30 January 2020, 04:30 (Europe/London).');
    await refused(old, 410, 'link_expired');
    await refused({ ...old, e: String(Math.floor(Date.now() / 1000) + 86_400) }, 403, 'invalid_link');

    // Ben is deactivated afterwards: his link stops at once; Ann's still works.
    expect((await call('POST', `/users/${ben.user.id}/deactivate`, { token: admin })).status).toBe(200);
    await refused(benLink, 403, 'forbidden');
    expect((await open(link)).status).toBe(303);

    // Ann's account locks (five wrong passwords in a row): her link stops too.
    for (let i = 0; i < 5; i++) await call('POST', '/auth/login', { body: { email: ann.user.email, password: 'Not-Her-Password-9' } });
    expect((await call('POST', '/auth/login', { body: { email: ann.user.email, password: TEST_PASSWORD } })).status).toBe(423);
    await refused(link, 403, 'forbidden');
  });

  // Review G, G6: the link follows the recipient's right to read that report now, not only their account. The same rule
  // the job applied when sending (mayUseReports: the report's CSV codes at its node), and the schedule must still list them.
  it('stops working for a recipient who since lost the right to read it: role removed, dropped from the schedule, schedule deleted; a recipient still entitled still downloads', async () => {
    const [cat, dan, eve, fay] = later as [typeof owner, typeof owner, typeof owner, typeof owner];
    const north = trust.nodes['North School']!.id;
    // The 24th at 04:30: due for these two schedules only.
    const at = '2035-01-24T04:30:00.000Z';
    const monthly = (recipientIds: string[]) => ({ report: 'users', params: { nodeId: north }, cadence: 'monthly', dayOfMonth: 24, hour: 4, recipientIds });
    const shared = await call('POST', '/report-schedules', { token: owner.token, body: monthly([cat.user.id, dan.user.id, fay.user.id]) });
    const alone = await call('POST', '/report-schedules', { token: owner.token, body: monthly([eve.user.id]) });
    expect([shared.status, alone.status]).toEqual([201, 201]);
    expect(await reportsJob({ time: at })).toMatchObject({ sent: 4, failed: 0 });
    const linkFor = async (who: typeof owner) => {
      const mails = (await mailTo(who.user.email)).filter((m) => m.subject.includes('users report for North School (2035-01-24)'));
      expect(mails).toHaveLength(1);
      return linkOf(mails[0]!);
    };
    const [catLink, danLink, eveLink, fayLink] = await Promise.all([cat, dan, eve, fay].map(linkFor)) as [ReturnType<typeof linkOf>, ReturnType<typeof linkOf>, ReturnType<typeof linkOf>, ReturnType<typeof linkOf>];
    // Each works right after the send.
    for (const l of [catLink, danLink, eveLink, fayLink]) expect((await open(l)).status).toBe(303);

    // Dan is dropped from the schedule; the other one is deleted; Cat's report reader role is removed (her account stays active).
    const patched = await call('PATCH', `/report-schedules/${shared.body.id}`, { token: owner.token, body: { recipientIds: [cat.user.id, fay.user.id] }, headers: { 'if-match': '"1"' } });
    expect(patched.status).toBe(200);
    expect((await call('DELETE', `/report-schedules/${alone.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await call('DELETE', `/users/${cat.user.id}/roles/${cat.user.roles[0].id}`, { token: admin })).status).toBe(204);

    // One answer for each (a bearer link learns nothing of why), no redirect.
    const refusals = [];
    for (const l of [catLink, danLink, eveLink]) {
      const answer = await open(l);
      expect(answer.status, JSON.stringify(answer.body)).toBe(403);
      expect(answer.location).toBeNull();
      refusals.push({ code: answer.body.code, title: answer.body.title });
    }
    expect(refusals[0]).toMatchObject({ code: 'forbidden' });
    expect(refusals[1]).toEqual(refusals[0]);
    expect(refusals[2]).toEqual(refusals[0]);
    // Fay still may: her link still downloads her file.
    const fayOpened = await open(fayLink);
    expect(fayOpened.status).toBe(303);
    expect((await fetch(fayOpened.location!)).status).toBe(200);

    // Cat's role comes back at North: her link works again (checked on each click, nothing revoked for good).
    const regranted = await call('POST', `/users/${cat.user.id}/roles`, { token: admin, body: { roleId: cat.user.roles[0].roleId, nodeId: north } });
    expect(regranted.status).toBe(201);
    expect((await open(catLink)).status).toBe(303);
  });
});
