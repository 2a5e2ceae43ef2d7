import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf } from '../../fixtures/identity';
import { waitForMail } from '../../fixtures/mail';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * SES's permanent bounces and complaints, recorded on the person whose
 * address it was (`emailDelivery`), end to end: the local stack publishes the
 * event as SES would (`POST /_local/mail/events`) to the email-events queue,
 * whose worker is the Lambda handler AWS runs.
 */

let trust: TestTrust;
let other: TestTrust;

const node = (t: TestTrust, name: string) => t.nodes[name]!.id;
const report = async (address: string, type: 'bounce' | 'complaint', at?: string) => {
  const response = await call('POST', '/_local/mail/events', { body: { address, type, ...(at ? { at } : {}) } });
  expect(response.status).toBe(202);
  return response.body.at as string;
};

/** The person as `token` sees them, once `done` holds (the queue works after the request that fed it). */
async function eventually(t: TestTrust, userId: string, done: (user: any) => boolean, token = t.token): Promise<any> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { status, body } = await call('GET', `/users/${userId}`, { token });
    expect(status).toBe(200);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`still not there: ${JSON.stringify(body.emailDelivery)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const undeliverable = async (t: TestTrust, userId: string) => (await auditOf(t, userId)).filter((r) => r.action === 'user.email_undeliverable');

beforeAll(async () => {
  [trust, other] = await Promise.all([makeTrust(), makeTrust()]);
});

describe('a permanent bounce', () => {
  it('shows on the person, audited as the system at their school, and only to admins who can see them', async () => {
    const southAdmin = await actor(trust, { memberships: [{ nodeId: node(trust, 'South') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node(trust, 'South') }] });
    const northAdmin = await actor(trust, { memberships: [{ nodeId: node(trust, 'North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node(trust, 'North') }] });
    const user = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'South School') }] });
    await waitForMail(user.email);

    const at = await report(user.email.toUpperCase(), 'bounce');
    const seen = await eventually(trust, user.id, (u) => u.emailDelivery !== undefined, southAdmin.token);
    expect(seen.emailDelivery).toEqual({ status: 'bounced', at, detail: 'General 5.1.1' });
    expect(seen.version).toBe(user.version + 1);
    expect(await undeliverable(trust, user.id)).toEqual([
      expect.objectContaining({ actorId: 'system', nodeId: node(trust, 'South School'), before: { email: user.email, emailDelivery: null }, after: { email: user.email, emailDelivery: seen.emailDelivery } }),
    ]);
    // A cluster admin elsewhere sees neither the person nor the record.
    expect((await call('GET', `/users/${user.id}`, { token: northAdmin.token })).status).toBe(404);
    const northAudit = await call('GET', `/audit?targetId=${user.id}&limit=200`, { token: northAdmin.token });
    expect(northAudit.status).toBe(200);
    expect(northAudit.body.items).toEqual([]);
  });

  it('is recorded once however often SES delivers it, never replaced by an older one, and a later complaint replaces it', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'North School') }] });
    const first = '2026-12-01T10:00:00.000Z';
    await report(user.email, 'bounce', first);
    await report(user.email, 'bounce', first);
    await report(user.email, 'complaint', '2026-12-01T09:00:00.000Z');
    const later = '2026-12-01T11:00:00.000Z';
    await report(user.email, 'complaint', later);
    // The queue is first in, first out: once the last is recorded, the three before it were handled.
    const seen = await eventually(trust, user.id, (u) => u.emailDelivery?.at === later);
    expect(seen.emailDelivery).toEqual({ status: 'complained', at: later, detail: 'abuse' });
    expect(seen.version).toBe(user.version + 2);
    expect((await undeliverable(trust, user.id)).map((r) => r.after.emailDelivery.at).sort()).toEqual([first, later]);
  });
});

describe('an email change', () => {
  it('clears the report, and a late report on the old address records nothing', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'North School') }] });
    const oldEmail = user.email as string;
    await report(oldEmail, 'bounce');
    const bounced = await eventually(trust, user.id, (u) => u.emailDelivery !== undefined);

    const newEmail = uniqueEmail('fixed');
    const patched = await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { email: newEmail }, headers: { 'if-match': `"${bounced.version}"` } });
    expect(patched.status).toBe(200);
    expect(patched.body.emailDelivery).toBeUndefined();
    expect((await call('GET', `/users/${user.id}`, { token: trust.token })).body.emailDelivery).toBeUndefined();

    // SES's report on a send before the change arrives after it; then one on the new address.
    await report(oldEmail, 'bounce');
    const at = await report(newEmail, 'complaint');
    const seen = await eventually(trust, user.id, (u) => u.emailDelivery?.at === at);
    expect(seen.emailDelivery.status).toBe('complained');
    expect((await undeliverable(trust, user.id)).map((r) => r.after.email).sort()).toEqual([newEmail, oldEmail].sort());
  });

  it('is the only way to clear it: an admin cannot write the report', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'North School') }] });
    await report(user.email, 'bounce');
    const bounced = await eventually(trust, user.id, (u) => u.emailDelivery !== undefined);
    const response = await call('PATCH', `/users/${user.id}`, { token: trust.token, body: { emailDelivery: null }, headers: { 'if-match': `"${bounced.version}"` } });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain('emailDelivery');
    expect((await call('GET', `/users/${user.id}`, { token: trust.token })).body.emailDelivery).toEqual(bounced.emailDelivery);
  });
});

describe('the undeliverable-emails report', () => {
  it('lists the people reported, to each reader only those in their reach', async () => {
    const southAdmin = await actor(trust, { memberships: [{ nodeId: node(trust, 'South') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node(trust, 'South') }] });
    const south = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'South School') }] });
    const north = await createUser(trust.token, { memberships: [{ nodeId: node(trust, 'North School') }] });
    await report(north.email, 'complaint');
    const at = await report(south.email, 'bounce');
    await eventually(trust, south.id, (u) => u.emailDelivery?.at === at);

    const rowsFor = async (token: string) => {
      const response = await call('GET', '/reports/undeliverable-emails', { token });
      expect(response.status).toBe(200);
      const { columns, rows } = response.body as { columns: string[]; rows: unknown[][] };
      return rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
    };
    const everyone = await rowsFor(trust.token);
    expect(everyone.find((r) => r.userId === south.id)).toMatchObject({ email: south.email, status: 'invited', delivery: 'bounced', reportedAt: at, detail: 'General 5.1.1' });
    expect(everyone.find((r) => r.userId === north.id)).toMatchObject({ delivery: 'complained', detail: 'abuse' });
    const southOnly = await rowsFor(southAdmin.token);
    expect(southOnly.map((r) => r.userId)).toContain(south.id);
    expect(southOnly.map((r) => r.userId)).not.toContain(north.id);
  });
});

describe('tenants', () => {
  it('a report on another trust\'s person is recorded there and nowhere here', async () => {
    const theirs = await createUser(other.token, { memberships: [{ nodeId: node(other, 'North School') }] });
    await report(theirs.email, 'bounce');
    await eventually(other, theirs.id, (u) => u.emailDelivery?.status === 'bounced');
    expect((await call('GET', `/users/${theirs.id}`, { token: trust.token })).status).toBe(404);
    const ours = await call('GET', `/audit?targetId=${theirs.id}&limit=200`, { token: trust.token });
    expect(ours.body.items).toEqual([]);
    expect(await undeliverable(other, theirs.id)).toHaveLength(1);
  });
});
