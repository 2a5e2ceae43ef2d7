import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { claimRecipientSend } from '../../functions/adapters/dynamo/report-schedule-repository';
import { handler as reportsJob, REPORTS_STOP_MARGIN_MS } from '../../functions/reports/reports-job';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { mailTo } from '../fixtures/mail';
import { actor } from '../fixtures/people';
import { reportReaderRole } from '../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

let trust: TestTrust;
let owner: { user: any; token: string };
let recipients: { user: any; token: string }[];

// The 20th of a January month at 05:30 (GMT in London): no other test's schedule is due then.
const AT = '2035-01-20T05:30:00.000Z';
const PERIOD = '2035-01-20';
const reports = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('users report for'));

/** A Lambda context with plenty of time for its first `calls` looks at the clock, then less than the job's margin. */
const runningOut = (calls: number) => {
  let looked = 0;
  return { getRemainingTimeInMillis: () => (looked++ < calls ? 300_000 : REPORTS_STOP_MARGIN_MS - 1) };
};

beforeAll(async () => {
  trust = await makeTrust();
  const admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const as = { ...trust, token: admin };
  const school = trust.nodes['North School']!.id;
  const readerRole = await reportReaderRole(admin);
  const viewer = (firstName: string) =>
    actor(as, { firstName, lastName: 'Recipient', memberships: [{ nodeId: school }], roles: [{ roleId: readerRole, nodeId: school }] });
  [owner, ...recipients] = await Promise.all([
    actor(as, { firstName: 'Olive', lastName: 'Owner', memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.headTeacher, nodeId: school }] }),
    viewer('Ann'), viewer('Ben'), viewer('Cat'), viewer('Dan'),
  ]);
}, 60_000);

describe('the reports job near its deadline (review C, 3)', () => {
  it('stops before its deadline, the next run sends the rest, and nobody gets a period twice (a recipient claimed by a killed run included)', async () => {
    const [ann, ben, cat, dan] = recipients;
    const created = await call('POST', '/report-schedules', {
      token: owner.token,
      body: { report: 'users', params: { nodeId: trust.nodes['North School']!.id }, cadence: 'monthly', dayOfMonth: 20, hour: 5, recipientIds: [ann!.user.id, ben!.user.id, cat!.user.id, dan!.user.id, owner.user.id] },
    });
    expect(created.status).toBe(201);
    // A run killed at its deadline had claimed Ben's send (and sent it, or died sending it): no run sends it again.
    expect(await claimRecipientSend(trust.trustId, created.body.id, PERIOD, ben!.user.id, 3600)).toBe(true);

    // Time for the schedule and three recipients (Ann; Ben, claimed already; Cat), then too little.
    const first = await reportsJob({ time: AT }, runningOut(4));
    expect(first).toMatchObject({ stopped: true, sent: 2, already: 1, failed: 0 });
    // The next hourly run (still the same local day) sends the rest.
    const second = await reportsJob({ time: '2035-01-20T06:30:00.000Z' }, runningOut(1_000));
    expect(second).toMatchObject({ stopped: false, sent: 2, already: 3, failed: 0 });
    // Done for the period: a third run does not look at it again.
    const third = await reportsJob({ time: '2035-01-20T07:30:00.000Z' }, runningOut(1_000));
    expect(third).toMatchObject({ sent: 0, already: 0 });

    const received = await Promise.all([ann, ben, cat, dan, owner].map(async (person) => (await reports(person!.user.email)).length));
    expect(received).toEqual([1, 0, 1, 1, 1]);
  });

  it('with no time left starts nothing, and the next run sends every recipient once', async () => {
    const [ann] = recipients;
    const created = await call('POST', '/report-schedules', {
      token: owner.token,
      body: { report: 'users', params: { nodeId: trust.nodes['North School']!.id }, cadence: 'monthly', dayOfMonth: 21, hour: 5, recipientIds: [ann!.user.id] },
    });
    expect(created.status).toBe(201);
    const before = (await reports(ann!.user.email)).length;
    expect(await reportsJob({ time: '2035-01-21T05:30:00.000Z' }, runningOut(0))).toMatchObject({ stopped: true, sent: 0 });
    expect((await reports(ann!.user.email)).length).toBe(before);
    expect(await reportsJob({ time: '2035-01-21T06:30:00.000Z' }, runningOut(1_000))).toMatchObject({ stopped: false, sent: 1 });
    expect(await reportsJob({ time: '2035-01-21T07:30:00.000Z' })).toMatchObject({ sent: 0 });
    expect((await reports(ann!.user.email)).length).toBe(before + 1);
  });
});
