import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, stack } from '../../fixtures/api';
import { linkIn, waitForMail } from '../../fixtures/mail';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// In CI a missing browser is a failure, never a silent skip; on a developer's machine it is a loud warning.
if (!hasChromium && process.env.CI === 'true') {
  throw new Error(`${CHROMIUM} is missing: CI must run the browser tests (.ci/run installs Debian's chromium)`);
}
if (!hasChromium) {
  console.warn(`\n!!! BROWSER TESTS SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium). .ci/run installs it. !!!\n`);
}

let browser: Browser;
let trust: TestTrust;

describe.skipIf(!hasChromium)('the emailed-link pages in headless Chromium, JavaScript off', () => {
  beforeAll(async () => {
    trust = await makeTrust([{ kind: 'school', name: 'Brookside' }]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function page(): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false });
    return context.newPage();
  }

  async function invite(): Promise<{ email: string; url: string }> {
    const email = `page-${randomUUID()}@test.example`;
    await call('POST', '/users', { token: trust.token, body: { firstName: 'Pat', lastName: 'Page', email, userType: 'staff', memberships: [{ nodeId: trust.nodes.Brookside!.id }] } });
    return { email, url: linkIn(await waitForMail(email), 'invite').url };
  }

  it('sets the first password through the invitation form, with labelled fields and the rules shown', async () => {
    const { email, url } = await invite();
    const tab = await page();
    await tab.goto(url);
    await expect(tab.getByRole('heading', { name: 'Set your password' }).isVisible()).resolves.toBe(true);
    await expect(tab.getByText('At least 12 characters').isVisible()).resolves.toBe(true);
    await tab.getByLabel('New password').fill('Harbour-Lantern-64');
    await tab.getByLabel('Type it again').fill('Harbour-Lantern-64');
    await tab.getByRole('button', { name: 'Set password' }).click();
    await expect(tab.getByRole('status').textContent()).resolves.toContain('Your password is set');
    await tab.screenshot({ path: join(tmpdir(), 'invite-accepted.png') });
    await expect(login(email, 'Harbour-Lantern-64')).resolves.toHaveProperty('accessToken');

    // The same link again: the page says it was used, without a form.
    await tab.goto(url);
    await expect(tab.getByRole('alert').textContent()).resolves.toContain('already used');
    await expect(tab.getByLabel('New password').count()).resolves.toBe(0);
  });

  it('shows what to fix when the passwords differ or break a rule, and keeps the link usable', async () => {
    const { email, url } = await invite();
    const tab = await page();
    await tab.goto(url);
    await tab.getByLabel('New password').fill('Harbour-Lantern-64');
    await tab.getByLabel('Type it again').fill('Harbour-Lantern-65');
    await tab.getByRole('button', { name: 'Set password' }).click();
    await expect(tab.getByRole('alert').textContent()).resolves.toContain('not the same');
    await tab.getByLabel('New password').fill('Password1234');
    await tab.getByLabel('Type it again').fill('Password1234');
    await tab.getByRole('button', { name: 'Set password' }).click();
    await expect(tab.getByRole('alert').textContent()).resolves.toContain('common or breached');
    await tab.getByLabel('New password').fill('Orchard-Signal-28');
    await tab.getByLabel('Type it again').fill('Orchard-Signal-28');
    await tab.getByRole('button', { name: 'Set password' }).click();
    await expect(tab.getByRole('status').textContent()).resolves.toContain('Your password is set');
    await expect(login(email, 'Orchard-Signal-28')).resolves.toHaveProperty('accessToken');
  });

  it('chooses a new password through the reset form', async () => {
    const { email, url } = await invite();
    const first = await page();
    await first.goto(url);
    await first.getByLabel('New password').fill('Harbour-Lantern-64');
    await first.getByLabel('Type it again').fill('Harbour-Lantern-64');
    await first.getByRole('button', { name: 'Set password' }).click();
    await call('POST', '/auth/password-reset', { body: { email } });
    const resetUrl = linkIn(await waitForMail(email, 2), 'reset-password').url;
    const tab = await page();
    await tab.goto(resetUrl);
    await expect(tab.getByRole('heading', { name: 'Choose a new password' }).isVisible()).resolves.toBe(true);
    await tab.getByLabel('New password').fill('Granite-Willow-19');
    await tab.getByLabel('Type it again').fill('Granite-Willow-19');
    await tab.getByRole('button', { name: 'Change password' }).click();
    await expect(tab.getByRole('status').textContent()).resolves.toContain('Your password is changed');
    await expect(login(email, 'Granite-Willow-19')).resolves.toHaveProperty('accessToken');
  });

  it('explains a link with no token', async () => {
    const tab = await page();
    const response = await tab.goto(`${stack().url}/invite`);
    expect(response?.status()).toBe(400);
    await expect(tab.getByRole('alert').textContent()).resolves.toContain('incomplete');
  });
});
