import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { signUnsubscribe } from '../../../domain/notifications/unsubscribe-token';
import { call, stack } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * An emailed link may not turn off a safeguarding or account security
 * category (security review): anyone holding a forwarded email could
 * otherwise silently stop a DSL's child protection emails. Such emails carry
 * no link (delivery.test.ts); a genuine link of one (given out before this
 * rule, signed here with the stack's own key) changes nothing, and a digest
 * link leaves those categories on.
 */
let trust: TestTrust;
let admin: string;
let dsl: { user: any; token: string };

const linkFor = (category: string) => signUnsubscribe({ trustId: trust.trustId, userId: dsl.user.id, category }, readFileSync(join(stack().stateDir, 'link-signing-key'), 'utf8').trim());
const oneClick = (token: string) =>
  fetch(`${stack().url}/notifications/unsubscribe?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
const preferences = async () => (await call('GET', '/me/notification-preferences', { token: dsl.token })).body;

beforeAll(async () => {
  trust = await makeTrust();
  const school = trust.nodes['North School']!.id;
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const user = await createUser(admin, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: school }] });
  dsl = { user, token: await signInWithTotp(user.email, TEST_PASSWORD, await turnOnTotp(await activate(trust, user))) };
  const chosen = await call('PUT', '/me/notification-preferences', { token: dsl.token, headers: { 'if-match': '0' }, body: { categories: { child_protection: 'digest', behaviour: 'digest' } } });
  expect(chosen.status).toBe(200);
});

describe('unsubscribe links and sensitive categories', () => {
  it('a child protection link opens a page that says to sign in, with no button, and its one-click POST is refused (400 sign_in_required)', async () => {
    const token = linkFor('child_protection');
    const page = await fetch(`${stack().url}/notifications/unsubscribe?token=${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('cannot be turned off from a link in an email. Sign in');
    expect(html).not.toContain('<form');
    const refused = await oneClick(token);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('sign_in_required');
    expect((await preferences()).categories.child_protection).toBe('digest');
  });

  it('an account security link is refused the same way', async () => {
    const refused = await oneClick(linkFor('account_security'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('sign_in_required');
    expect((await preferences()).categories.account_security).toBeUndefined();
  });

  it("a digest link turns off the digest's ordinary categories and leaves child protection on", async () => {
    expect((await oneClick(linkFor('digest'))).status).toBe(204);
    const { categories } = await preferences();
    expect(categories.behaviour).toBe('off');
    expect(categories.pastoral).toBe('off');
    expect(categories.child_protection).toBe('digest');
  });
});
