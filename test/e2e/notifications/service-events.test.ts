import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { waitForMail } from '../../fixtures/mail';
import { securityTitles } from '../../fixtures/notifications';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/** The service's own account_security events reach the admins who may unlock people there, through the same path as apps' events. */
let trust: TestTrust;
let admin2fa: string;
let schoolAdmin: { token: string };
let otherSchoolAdmin: { token: string };
const node = (name: string) => trust.nodes[name]!.id;


beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
  otherSchoolAdmin = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('South School') }] });
});

describe('account_security events', () => {
  it("tell the school's admins when someone there is given a sensitive role, and nobody at another school", async () => {
    const teacher = await createUser(trust.token, { firstName: 'Sam', lastName: 'Sensitive', memberships: [{ nodeId: node('North School') }] });
    const grant = await call('POST', `/users/${teacher.id}/roles`, { token: admin2fa, body: { roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') } });
    expect(grant.status).toBe(201);
    expect((await securityTitles(schoolAdmin.token)).some((t) => t.startsWith('Sam Sensitive: given Designated Safeguarding Lead'))).toBe(true);
    expect((await securityTitles(otherSchoolAdmin.token)).some((t) => t.startsWith('Sam Sensitive'))).toBe(false);
  });

  it('tell them when failed sign-ins lock someone out', async () => {
    const user = await createUser(trust.token, { firstName: 'Lou', lastName: 'Locked', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    await activate(trust, user);
    for (let i = 0; i < 5; i++) await call('POST', '/auth/login', { body: { email: user.email, password: `Wrong-Password-${i}x` } });
    expect((await call('GET', `/users/${user.id}`, { token: trust.token })).body.status).toBe('locked');
    // The lock wrote the event into its own transaction (the outbox); the notify job raises it.
    expect((await call('POST', '/_local/run/notify')).status).toBe(200);
    expect((await securityTitles(schoolAdmin.token)).some((t) => t.startsWith('Lou Locked: account locked after 5 failed sign-ins'))).toBe(true);
  });

  it('tell them when a lost-device reset turned someone\'s two-factor sign-in off', async () => {
    const user = await createUser(trust.token, { firstName: 'Rae', lastName: 'Reset', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] });
    await turnOnTotp(await activate(trust, user));
    expect((await call('POST', `/users/${user.id}/mfa/reset`, { token: admin2fa })).status).toBe(204);
    expect((await securityTitles(schoolAdmin.token)).some((t) => t.startsWith('Rae Reset: two-factor sign-in was reset'))).toBe(true);
  });

  it('tell them when SES reports someone\'s address undeliverable, once however often SES says so', async () => {
    const user = await createUser(trust.token, { firstName: 'Bo', lastName: 'Bounced', memberships: [{ nodeId: node('North School') }] });
    const marker = await createUser(trust.token, { firstName: 'Mo', lastName: 'Marker', memberships: [{ nodeId: node('South School') }] });
    await waitForMail(user.email);
    const at = new Date().toISOString();
    for (let i = 0; i < 2; i++) expect((await call('POST', '/_local/mail/events', { body: { address: user.email, type: 'bounce', at } })).status).toBe(202);
    // The queue is first in, first out: once a later report is recorded, both of Bo's were handled.
    expect((await call('POST', '/_local/mail/events', { body: { address: marker.email, type: 'complaint' } })).status).toBe(202);
    const deadline = Date.now() + 15_000;
    while ((await call('GET', `/users/${marker.id}`, { token: trust.token })).body.emailDelivery === undefined) {
      if (Date.now() > deadline) throw new Error('the reports were not recorded');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call('POST', '/_local/run/notify')).status).toBe(200);
    const titles = (await securityTitles(schoolAdmin.token)).filter((t) => t.startsWith('Bo Bounced'));
    expect(titles).toEqual(['Bo Bounced: email address undeliverable (it bounced): nothing more reaches it until it is changed']);
    expect((await securityTitles(otherSchoolAdmin.token)).some((t) => t.startsWith('Bo Bounced'))).toBe(false);
  });
});
