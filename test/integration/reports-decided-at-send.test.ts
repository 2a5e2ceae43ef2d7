import { beforeAll, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { mailTo } from '../fixtures/mail';
import { actor } from '../fixtures/people';
import { reportReaderRole } from '../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * Review J, J2: the reports job judges each recipient of a schedule on the
 * trust's tree and roles as they are at that recipient's send, not on the
 * copy read for the schedule. A hook on this process's DynamoDB client
 * narrows the victim's role over HTTP (answered 200) at the very moment the
 * run claims the victim's send: after the run started, before the victim is
 * judged. Deterministic, no timing. The recipient before them, untouched, is
 * the control.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { handler: reportsJob } = await import('../../functions/reports/reports-job');
const { documentClient } = await import('../../functions/adapters/dynamo/client');

// The 26th of a January month at 02:30 (GMT in London): no other test's schedule is due then.
const AT = '2035-01-26T02:30:00.000Z';

let trust: TestTrust;
let admin: string;
let hook: { match: (input: Record<string, any>) => boolean; fire: () => Promise<void>; fired?: boolean } | undefined;

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  documentClient().middlewareStack.add(
    (next) => async (args: any) => {
      const h = hook;
      if (h && !h.fired && h.match(args.input ?? {})) {
        h.fired = true;
        await h.fire();
      }
      return next(args);
    },
    { step: 'initialize', name: 'claim-hook' },
  );
}, 60_000);

const reports = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('users report for'));

it('J2: a recipient whose role lost reports.view and users.view while the run is under way is not sent the report', async () => {
  const school = trust.nodes['North School']!.id;
  const as = { ...trust, token: admin };
  const [ritaRole, vicRole] = [await reportReaderRole(admin), await reportReaderRole(admin)];
  const owner = await actor(as, { firstName: 'Olive', lastName: 'Owner', memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.headTeacher, nodeId: school }] });
  const rita = await actor(as, { firstName: 'Rita', lastName: 'First', memberships: [{ nodeId: school }], roles: [{ roleId: ritaRole, nodeId: school }] });
  const vic = await actor(as, { firstName: 'Vic', lastName: 'Second', memberships: [{ nodeId: school }], roles: [{ roleId: vicRole, nodeId: school }] });
  const created = await call('POST', '/report-schedules', {
    token: owner.token, body: { report: 'users', params: { nodeId: school }, cadence: 'monthly', dayOfMonth: 26, hour: 2, recipientIds: [rita.user.id, vic.user.id] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  let patch = 0;
  hook = {
    // The claim of Vic's send for the period (a conditional put of the schedule's SENT#<period>#<recipient> item).
    match: (input) => input.Item?.entity === 'report-recipient-send' && JSON.stringify(input.Item).includes(created.body.id) && JSON.stringify(input.Item).includes(vic.user.id),
    fire: async () => {
      const version = ((await call('GET', '/roles', { token: admin })).body.items as any[]).find((r) => r.id === vicRole)!.version;
      patch = (await call('PATCH', `/roles/${vicRole}`, { token: admin, headers: { 'if-match': String(version) }, body: { permissions: ['users.export'] } })).status;
    },
  };
  await reportsJob({ time: AT });
  expect(patch).toBe(200);
  expect(await reports(vic.user.email)).toHaveLength(0);
  expect(await reports(rita.user.email)).toHaveLength(1);
  // The owner is told Vic was skipped, as for any recipient who may no longer view it.
  expect((await mailTo(owner.user.email)).some((m) => m.subject.includes('was not sent to everyone') && m.text.includes('Vic'))).toBe(true);
}, 90_000);
