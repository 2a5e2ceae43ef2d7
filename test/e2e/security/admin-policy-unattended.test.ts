import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { mailTo } from '../../fixtures/mail';
import { actor, createUser, type NewUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';
import { sweepOutbox } from '../../fixtures/notifications';

/**
 * The trust's `requireMfaForAdmins` holds outside requests too (security
 * review): what a person without 2FA is refused over HTTP (403
 * mfa_required) is neither emailed to them by the reports job, nor accepted
 * as a schedule's recipient, nor raised to them as a service notification.
 */
let trust: TestTrust;
let admin: string;
let settingsVersion: string;
const node = (name: string) => trust.nodes[name]!.id;
let headNoMfa: { user: any; token: string };
let headMfa: { user: any; token: string };
let schoolAdminNoMfa: { user: any; token: string };
let schoolAdminMfa: { user: any; token: string };

async function withTotp(input: NewUser) {
  const person = await actor({ ...trust, token: admin }, input);
  return { user: person.user, token: await signInWithTotp(person.user.email, TEST_PASSWORD, await turnOnTotp(person.token)) };
}

async function setPolicy(on: boolean) {
  const changed = await call('PATCH', '/trust/settings', { token: admin, headers: { 'if-match': settingsVersion }, body: { policies: { requireMfaForAdmins: on } } });
  expect(changed.status).toBe(200);
  settingsVersion = String(changed.body.version);
}

const at = (name: string) => ({ memberships: [{ nodeId: node(name) }] });
const reports = async (email: string) => (await mailTo(email)).filter((m) => m.subject.includes('users report for'));

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const head = { ...at('North School'), roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] };
  const schoolAdmin = { ...at('North School'), roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] };
  [headNoMfa, headMfa, schoolAdminNoMfa, schoolAdminMfa] = await Promise.all([actor({ ...trust, token: admin }, head), withTotp(head), actor({ ...trust, token: admin }, schoolAdmin), withTotp(schoolAdmin)]);
  // Made while the policy is off: both heads may then receive it.
  const created = await call('POST', '/report-schedules', {
    token: headMfa.token,
    body: { report: 'users', params: { nodeId: node('North School') }, cadence: 'monthly', dayOfMonth: 27, hour: 23, recipientIds: [headMfa.user.id, headNoMfa.user.id] },
  });
  expect(created.status).toBe(201);
  settingsVersion = String((await call('GET', '/trust/settings', { token: admin })).body.version);
  await setPolicy(true);
}, 90_000);

describe("requireMfaForAdmins outside requests", () => {
  it('refuses the head without 2FA the report over HTTP (the rule the job must match)', async () => {
    const refused = await call('GET', `/reports/users?nodeId=${node('North School')}`, { token: headNoMfa.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
    expect((await call('GET', `/reports/users?nodeId=${node('North School')}`, { token: headMfa.token })).status).toBe(200);
  });

  it('emails the scheduled report only to the recipient with 2FA on, and tells the owner about the other', async () => {
    // Day 27 at 23:00 in London: no other test's run reaches this schedule.
    expect((await call('POST', `/_local/run/reports?at=${encodeURIComponent('2032-01-27T23:30:00.000Z')}`)).status).toBe(200);
    expect(await reports(headMfa.user.email)).toHaveLength(1);
    expect(await reports(headNoMfa.user.email)).toHaveLength(0);
    const notice = (await mailTo(headMfa.user.email)).find((m) => m.subject.includes('was not sent to everyone'));
    expect(notice?.text).toContain(`${headNoMfa.user.firstName} ${headNoMfa.user.lastName}`);
  });

  it('refuses a recipient without 2FA for a new schedule (400 recipient_cannot_view naming them)', async () => {
    const refused = await call('POST', '/report-schedules', {
      token: headMfa.token,
      body: { report: 'users', params: { nodeId: node('North School') }, cadence: 'monthly', dayOfMonth: 27, hour: 23, recipientIds: [headMfa.user.id, headNoMfa.user.id] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('recipient_cannot_view');
    expect(refused.body.errors.map((e: any) => e.path)).toEqual(['body.recipientIds.1']);
  });

  it('raises account_security events only to the admins with 2FA on (not merely hidden from a session without it)', async () => {
    const teacher = await createUser(admin, { firstName: 'Ria', lastName: `Reset${Date.now()}`, ...at('North School'), roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    expect((await call('POST', `/users/${teacher.id}/roles`, { token: admin, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') } })).status).toBe(201);
    await sweepOutbox(); // the grant's event waits in the outbox for the notify job
    const titles = async (token: string) =>
      ((await call('GET', '/me/notifications', { token })).body.items as { category: string; title: string }[]).filter((i) => i.category === 'account_security' && i.title.startsWith(`Ria ${teacher.lastName}`));
    expect(await titles(schoolAdminMfa.token)).toHaveLength(1);
    // With the policy off again, the feed would show the entry if one had been stored for them.
    await setPolicy(false);
    expect(await titles(schoolAdminNoMfa.token)).toHaveLength(0);
    expect(await titles(schoolAdminMfa.token)).toHaveLength(1);
  });
});
