import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds, presetRoles } from '../../domain/access/roles';
import { createJob, getPlanMeta, loadJob, markPlanApplied } from '../../functions/adapters/dynamo/import-repository';
import { getTrust } from '../../functions/adapters/dynamo/trust-repository';
import { raiseSensitiveGrants } from '../../functions/notifications/service-events';
import { applyChunk } from '../../functions/users/import-worker';
import { call } from '../fixtures/api';
import { actor, createUser } from '../fixtures/people';
import { signInWithTotp, turnOnTotp } from '../fixtures/identity';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';

/**
 * The account_security event of a sensitive grant is keyed by the stored
 * grant (person, node, assignment ids), so raising it again for the same
 * grant (a job re-run, a message delivered twice) adds nothing.
 */
let trust: TestTrust;
let schoolAdmin: { token: string };
let admin2fa: string;
const north = () => trust.nodes['North School']!.id;
const about = async (name: string) =>
  ((await call('GET', '/me/notifications?limit=200', { token: schoolAdmin.token })).body.items as { category: string; title: string }[])
    .filter((i) => i.category === 'account_security' && i.title.startsWith(`${name}: `));

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
}, 60_000);

describe('sensitive grant events', () => {
  it('raising the same stored grant twice stores one event; another grant of the same role is another event', async () => {
    const stored = (await getTrust(trust.trustId))!;
    const roles = new Map(presetRoles().map((r) => [r.id, r]));
    const subject = { id: randomUUID(), firstName: 'Ida', lastName: 'Idempotent' };
    const by = { firstName: 'Test', lastName: 'Admin' };
    const grant = { id: randomUUID(), roleId: presetIds.designatedSafeguardingLead, nodeId: north() };
    await raiseSensitiveGrants(stored, roles, by, subject, [grant], 'CSV import');
    await raiseSensitiveGrants(stored, roles, by, subject, [grant], 'CSV import');
    expect(await about('Ida Idempotent')).toHaveLength(1);
    await raiseSensitiveGrants(stored, roles, by, subject, [{ ...grant, id: randomUUID() }], 'CSV import');
    expect(await about('Ida Idempotent')).toHaveLength(2);
    // A grant without sensitive permissions raises nothing.
    await raiseSensitiveGrants(stored, roles, by, { ...subject, lastName: 'Teacher' }, [{ ...grant, id: randomUUID(), roleId: presetIds.teacher }]);
    expect(await about('Ida Teacher')).toEqual([]);
  });

  it('an import chunk delivered twice at once, then again, raises one event per person granted', async () => {
    const existing = await createUser(trust.token, { firstName: 'Rex', lastName: 'Redelivered', memberships: [{ nodeId: north() }] });
    const file = stringify([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools', 'roles'],
      [existing.id, 'Rex', 'Redelivered', existing.email, '', 'North School', 'Designated Safeguarding Lead@North School'],
    ]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: admin2fa, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(preview.body.summary).toMatchObject({ update: 1, error: 0 });
    const meta = (await getPlanMeta(trust.trustId, preview.body.planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, preview.body.planId, importId)).toBe(true);
    await createJob(trust.trustId, {
      id: importId, planId: preview.body.planId, importerId: trust.adminId, mfa: true, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const message = { trustId: trust.trustId, importId, chunk: 0 };
    const deliveries = await Promise.allSettled([applyChunk(message), applyChunk(message)]);
    if (deliveries.some((d) => d.status === 'rejected')) await applyChunk(message);
    await applyChunk(message);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'done', updated: 1, failed: 0 });
    expect(await about('Rex Redelivered')).toHaveLength(1);
  });
});
