import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { mailTo } from '../../fixtures/mail';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// In CI a missing browser is a failure, never a silent skip (as for the emailed-link pages).
if (!hasChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must run the browser tests`);
if (!hasChromium) console.warn(`\n!!! BROWSER TESTS SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium). !!!\n`);

let browser: Browser;
let trust: TestTrust;

describe.skipIf(!hasChromium)('the unsubscribe page in headless Chromium, JavaScript off', () => {
  beforeAll(async () => {
    trust = await makeTrust();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("turns a category off from the email's link: opening the page changes nothing, the button does", async () => {
    const school = trust.nodes['North School']!.id;
    const teacher = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    await call('PUT', '/me/notification-preferences', { token: teacher.token, body: { categories: { behaviour: 'immediate' } }, headers: { 'if-match': '0' } });
    const posted = await call('POST', '/notifications/events', {
      token: trust.token, body: { category: 'behaviour', nodeId: school, title: 'Merit', occurredAt: '2026-12-01T09:00:00Z', idempotencyKey: randomUUID() },
    });
    expect(posted.status).toBe(202);
    let link: string | undefined;
    for (let i = 0; i < 50 && !link; i++) {
      const mail = (await mailTo(teacher.user.email)).find((m) => /behaviour/.test(m.subject));
      link = /(https?:\/\/\S+\/notifications\/unsubscribe\?token=\S+)/.exec(mail?.text ?? '')?.[1];
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    expect(link).toBeDefined();

    const tab = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await tab.goto(link!);
    await expect(tab.getByRole('heading', { name: 'Stop these emails' }).isVisible()).resolves.toBe(true);
    await expect(tab.getByText('Stop emails about behaviour incidents and rewards?').isVisible()).resolves.toBe(true);
    // Opening the page (as a mail scanner would) changed nothing.
    expect((await call('GET', '/me/notification-preferences', { token: teacher.token })).body.categories.behaviour).toBe('immediate');
    await tab.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(tab.getByRole('status').textContent()).resolves.toContain('Done: you have unsubscribed from emails about behaviour incidents and rewards.');
    expect((await call('GET', '/me/notification-preferences', { token: teacher.token })).body.categories.behaviour).toBe('off');
  });
});
