import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUnsubscribe } from '../../../domain/notifications/unsubscribe-token';
import { REPORT_NAMES } from '../../../domain/reports/catalogue';
import { linkUntil, reportEmail } from '../../../domain/reports/emails';
import { REPORT_FILE_DAYS, REPORT_FILE_RETENTION_DAYS, reportFileKey, signReportFileLink, verifyReportFileLink } from '../../../domain/reports/report-file';

const KEY = 'k'.repeat(43);
const file = {
  trustId: 'trust-1', userId: 'user-1', fileId: '3f2b8c1e-9a4d-4c6e-8f00-1234567890ab', filename: 'access-review-2035-01-23.csv',
  scheduleId: 'schedule-1', report: 'access-review' as const, nodeId: 'node-1',
};
const EXPIRES = 2_000_000_000;

describe('report file links (review E, E4)', () => {
  it('verifies its own link and gives back the file and expiry; the key is under reports/<trust>/<file id>/', () => {
    const link = signReportFileLink(file, EXPIRES, KEY);
    expect(verifyReportFileLink(link, KEY)).toEqual({ file, expiresAt: EXPIRES });
    expect(reportFileKey(file)).toBe('reports/trust-1/3f2b8c1e-9a4d-4c6e-8f00-1234567890ab/access-review-2035-01-23.csv');
    // The file outlives its link by a day (the bucket's lifecycle rule), so a working link never meets a deleted object.
    expect(REPORT_FILE_RETENTION_DAYS).toBeGreaterThan(REPORT_FILE_DAYS);
  });

  it('refuses a link with any part altered, another key, or another recipient, trust or file in it', () => {
    const link = signReportFileLink(file, EXPIRES, KEY);
    expect(verifyReportFileLink({ ...link, e: String(EXPIRES + 1) }, KEY)).toBeUndefined();
    expect(verifyReportFileLink({ ...link, s: link.s.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }, KEY)).toBeUndefined();
    expect(verifyReportFileLink({ ...link, s: '' }, KEY)).toBeUndefined();
    expect(verifyReportFileLink(link, `${KEY}x`)).toBeUndefined();
    for (const other of [
      { ...file, userId: 'user-2' }, { ...file, trustId: 'trust-2' }, { ...file, fileId: '00000000-0000-4000-8000-000000000000' },
      { ...file, report: 'users' as const, filename: 'users-2035-01-23.csv' }, { ...file, scheduleId: 'schedule-2' }, { ...file, nodeId: 'node-2' },
    ]) {
      const forged = signReportFileLink(other, EXPIRES, KEY);
      expect(verifyReportFileLink({ ...forged, s: link.s }, KEY)).toBeUndefined();
    }
  });

  it('takes every report\'s scheduled file name (<report>-<local date>.csv), so no large report fails to be stored', () => {
    for (const name of REPORT_NAMES) expect(reportFileKey({ ...file, report: name, filename: `${name}-2035-12-31.csv` })).toContain(`/${name}-2035-12-31.csv`);
  });

  it('no longer takes a v1 link (no schedule in its claim: review G, G6), even one signed with the key', () => {
    const id = Buffer.from(JSON.stringify([file.trustId, file.userId, file.fileId, file.filename])).toString('base64url');
    const v1 = createHmac('sha256', KEY).update(`report-file.v1.${id}.${EXPIRES}`).digest('base64url');
    expect(verifyReportFileLink({ id, e: String(EXPIRES), s: v1 }, KEY)).toBeUndefined();
    // Nor a v2 claim without its schedule, report and node, nor one naming a report its file name is not of.
    const short = Buffer.from(JSON.stringify([file.trustId, file.userId, file.fileId, file.filename])).toString('base64url');
    expect(verifyReportFileLink({ id: short, e: String(EXPIRES), s: createHmac('sha256', KEY).update(`report-file.v2.${short}.${EXPIRES}`).digest('base64url') }, KEY)).toBeUndefined();
    expect(() => signReportFileLink({ ...file, report: 'users' }, EXPIRES, KEY)).toThrow();
    expect(() => signReportFileLink({ ...file, report: 'nope' as never }, EXPIRES, KEY)).toThrow();
  });

  it('is domain-separated from the unsubscribe links that share the key', () => {
    const token = signUnsubscribe({ trustId: 'trust-1', userId: 'user-1', category: 'digest' }, KEY);
    const [payload, mac] = token.split('.') as [string, string];
    expect(verifyReportFileLink({ id: payload, e: String(EXPIRES), s: mac }, KEY)).toBeUndefined();
  });

  it('never names a key outside the trust\'s folder: a path in any part is refused when signing and when verifying', () => {
    for (const bad of [{ ...file, filename: '../x.csv' }, { ...file, trustId: '../other' }, { ...file, userId: 'a/b' }, { ...file, fileId: 'not-a-uuid' }, { ...file, filename: 'x.json' }, { ...file, scheduleId: '../s' }, { ...file, nodeId: 'a/b' }]) {
      expect(() => signReportFileLink(bad, EXPIRES, KEY)).toThrow();
      expect(() => reportFileKey(bad)).toThrow();
    }
  });

  it('tells the recipient until when the link works, on the trust\'s clock', () => {
    expect(linkUntil(new Date('2035-07-30T04:30:00.000Z'), 'Europe/London')).toBe('Monday, 30 July 2035, 05:30 (Europe/London)');
    const mail = reportEmail({ trustName: 'T', firstName: 'Ann', report: 'users', nodeName: 'North', period: '2035-07-23', rows: 2, link: { url: 'https://x.example/reports/files/a?e=1&s=b', until: 'Monday, 30 July 2035, 05:30 (Europe/London)' } });
    expect(mail.text).toContain('until Monday, 30 July 2035, 05:30 (Europe/London)');
    expect(mail.text).toContain('https://x.example/reports/files/a?e=1&s=b');
    expect(mail.html).toContain('href="https://x.example/reports/files/a?e=1&amp;s=b"');
  });
});
