import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getSchedule } from '../../functions/adapters/dynamo/report-schedule-repository';
import { handler as reportsJob } from '../../functions/reports/reports-job';
import { call } from '../fixtures/api';
import { mailTo } from '../fixtures/mail';
import { reportCast } from '../fixtures/report-reader';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * Review D, D10: the owner's "not sent to everyone" email used to be sent
 * once, right after the skipped recipients were claimed; when it failed, no
 * later run found them again (claimed) and the owner was never told. The
 * skips are now kept on the schedule before the email and cleared after it.
 * On DynamoDB Local and the local SES, through the job's handler; SES refuses
 * the owner's notice while `faults.noticeFails`.
 */
const faults = vi.hoisted(() => ({ noticeFails: false }));
vi.mock('../../functions/adapters/ses/mailer-v2', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/adapters/ses/mailer-v2')>();
  return {
    ...real,
    sendMail: (...args: Parameters<typeof real.sendMail>) => {
      if (faults.noticeFails && args[1].subject.includes('was not sent to everyone')) return Promise.reject(new Error('SES: throttled'));
      return real.sendMail(...args);
    },
  };
});

let trust: TestTrust;
let admin: string;
let owner: { user: any; token: string };
let reader: { user: any; token: string };
let leaver: { user: any; token: string };
let mover: { user: any; token: string };

// The 22nd of a January month, 05:xx (GMT in London): no other test's schedule is due then.
const AT = '2035-01-22T05:30:00.000Z';
const reports = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('users report for'));
const notices = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('was not sent to everyone'));

beforeAll(async () => {
  trust = await makeTrust();
  const cast = await reportCast(trust, ['Rita', 'Lee', 'Max']);
  ({ admin, owner } = cast);
  [reader, leaver, mover] = cast.recipients as [typeof owner, typeof owner, typeof owner];
}, 60_000);

describe('the owner\'s notice of skipped recipients (review D, D10)', () => {
  it('is sent by a later run when it failed, naming every skip not yet told, and then never again', async () => {
    const created = await call('POST', '/report-schedules', {
      token: owner.token,
      body: { report: 'users', params: { nodeId: trust.nodes['North School']!.id }, cadence: 'monthly', dayOfMonth: 22, hour: 5, recipientIds: [reader.user.id, leaver.user.id, mover.user.id] },
    });
    expect(created.status).toBe(201);
    const scheduleId = created.body.id;
    expect((await call('POST', `/users/${leaver.user.id}/deactivate`, { token: admin })).status).toBe(200);

    // The first run: Rita and Max get the report, Lee is skipped, and the owner's notice fails.
    faults.noticeFails = true;
    try {
      expect(await reportsJob({ time: AT })).toMatchObject({ skipped: 1, failed: 1 });
    } finally {
      faults.noticeFails = false;
    }
    expect(await notices(owner.user.email)).toHaveLength(0);
    expect(await getSchedule(trust.trustId, scheduleId)).toMatchObject({ skippedPending: [leaver.user.id] });
    expect((await getSchedule(trust.trustId, scheduleId))!.skippedNotified ?? []).toEqual([]);
    // Never shown in the API's view of the schedule.
    expect((await call('GET', `/report-schedules/${scheduleId}`, { token: owner.token })).body).not.toHaveProperty('skippedPending');

    // The next run (same local day): nobody is sent the report again, and the owner is told about Lee now.
    expect(await reportsJob({ time: '2035-01-22T05:50:00.000Z' })).toMatchObject({ sent: 0, skipped: 0, failed: 0 });
    const [notice, ...more] = await notices(owner.user.email);
    expect(more).toHaveLength(0);
    expect(notice!.text).toContain('Lee Recipient');
    expect(notice!.text).not.toContain('Max');
    const told = await getSchedule(trust.trustId, scheduleId);
    expect(told!.skippedNotified).toEqual([leaver.user.id]);
    expect(told!.skippedPending).toBeUndefined();

    // Next month Max has lost the role: one notice names him alone (Lee was told about already), and a further run tells nobody.
    expect((await call('DELETE', `/users/${mover.user.id}/roles/${mover.user.roles[0].id}`, { token: admin })).status).toBe(204);
    expect(await reportsJob({ time: '2035-02-22T05:30:00.000Z' })).toMatchObject({ skipped: 2, failed: 0 });
    expect(await reportsJob({ time: '2035-02-22T05:50:00.000Z' })).toMatchObject({ sent: 0, skipped: 0, failed: 0 });
    const later = (await notices(owner.user.email)).slice(1);
    expect(later).toHaveLength(1);
    expect(later[0]!.text).toContain('Max Recipient');
    expect(later[0]!.text).not.toContain('Lee Recipient');
    expect((await getSchedule(trust.trustId, scheduleId))!.skippedNotified!.sort()).toEqual([leaver.user.id, mover.user.id].sort());
    expect(await reports(reader.user.email)).toHaveLength(2);
    expect(await reports(leaver.user.email)).toHaveLength(0);
    expect(await reports(mover.user.email)).toHaveLength(1);
  });
});
