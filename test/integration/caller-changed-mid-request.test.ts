import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditRecord } from '../../domain/audit/audit-record';
import { presetIds } from '../../domain/access/roles';
import { createJob, getPlanMeta, loadJob, markPlanApplied } from '../../functions/adapters/dynamo/import-repository';
import { getRun, putRosterRef } from '../../functions/adapters/dynamo/mis-sync-repository';
import { saveRoster } from '../../functions/adapters/files/roster-store';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { queueRun } from '../../functions/mis/run-queue';
import { runSync, type RunMessage } from '../../functions/mis/run-worker';
import { handler as bulkEdit } from '../../functions/users/bulk-edit-users';
import { handler as createUserRoute } from '../../functions/users/create-user';
import { applyChunk } from '../../functions/users/import-worker';
import { call } from '../fixtures/api';
import { httpEvent, lambdaContext } from '../fixtures/events';
import { changeBeforeWrite, writesAudit as writes } from '../fixtures/hold-writes';
import { saveMisSettings } from '../fixtures/mis';
import { generatedRoster, onerosterBundle } from '../fixtures/oneroster';
import { actor, createUser, userBody } from '../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../fixtures/trust';
import { signInWithTotp, totpCode, turnOnTotp } from '../fixtures/identity';
import { callerOf } from '../../functions/http/caller';

/**
 * Review I, I2: a long request (POST /users/bulk, up to 22 s and 500 people)
 * or a job (an MIS run part, up to ~13 min) must not go on writing with the
 * authority its caller had at its start. Each person's transaction checks the
 * caller's own profile as resolved (person-writes.ts ActingAs); on its
 * failure the caller is resolved again and judged as they are now.
 *
 * Deterministic, no timing: the handler or worker runs in this process, and
 * DynamoDB calls are held at the n-th person write while the trust admin
 * changes the caller over HTTP (the gateway, another process); every write
 * sent after that change answers as the changed caller.
 */
process.env.MIS_ROSTER_DIR = mkdtempSync(join(tmpdir(), 'caller-changed-'));
process.env.MIS_RUN_QUEUE_URL = 'local:mis-runs';
const sent: RunMessage[] = [];
(globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES] = { send: (_queue, body) => void sent.push(JSON.parse(body) as RunMessage) };

let trust: TestTrust;
const north = () => trust.nodes['North School']!.id;
const south = () => trust.nodes['South School']!.id;

beforeAll(async () => {
  trust = await makeTrust();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function claimsOf(token: string): { sub: string; auth_time: number; origin_jti?: string; event_id?: string } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; auth_time: number; origin_jti?: string; event_id?: string };
}

/** The audit records filed in `actorId`'s name with one of `actions`. */
async function recordsBy(actorId: string, actions: string[]): Promise<{ action: string; targetId: string; nodeId: string | null }[]> {
  const found: { action: string; targetId: string; nodeId: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await call('GET', `/audit?actorId=${actorId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: trust.token });
    expect(page.status).toBe(200);
    found.push(...(page.body.items as { action: string; targetId: string; nodeId: string | null }[]).filter((r) => actions.includes(r.action)));
    cursor = page.body.nextCursor;
  } while (cursor);
  return found;
}

async function inBatches<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(f))));
  return out;
}

describe('POST /users/bulk whose caller changes while it runs', () => {
  it('writes nothing more in the name of a caller deactivated mid-request: every remaining person answers session_revoked', async () => {
    const people = await inBatches(Array.from({ length: 24 }, (_, i) => i), 8, () => createUser(trust.token, { memberships: [{ nodeId: north() }] }));
    const sa = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
    const { sub, auth_time: authTime } = claimsOf(sa.token);
    const state = changeBeforeWrite(4, writes(['role.assigned']), () => call('POST', `/users/${sa.user.id}/deactivate`, { token: trust.token }));

    const response = await bulkEdit(
      httpEvent({ method: 'POST', path: '/users/bulk', sub, authTime, body: { userIds: people.map((p) => p.id), actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] } }),
      lambdaContext(),
    );
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(200);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body as string) as { applied: number; results: { userId: string; ok: boolean; error?: { code: string } }[] };
    // Only the transactions sent before the deactivation landed; everyone after it is refused as a revoked session.
    const done = await recordsBy(sa.user.id, ['role.assigned']);
    expect(state.sentBefore).toBeLessThan(people.length);
    expect(done.length).toBeLessThanOrEqual(state.sentBefore);
    expect(body.applied).toBe(done.length);
    const refused = body.results.filter((r) => !r.ok);
    expect(refused).toHaveLength(people.length - done.length);
    expect(new Set(refused.map((r) => r.error?.code))).toEqual(new Set(['session_revoked']));
    expect(new Set(done.map((r) => r.targetId))).toEqual(new Set(body.results.filter((r) => r.ok).map((r) => r.userId)));
  }, 120_000);

  it('stops writing once the caller signs out everywhere mid-request (no version bump: the session clause catches it)', async () => {
    const people = await inBatches(Array.from({ length: 12 }, (_, i) => i), 6, () => createUser(trust.token, { memberships: [{ nodeId: north() }] }));
    const sa = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
    const { sub, auth_time: authTime } = claimsOf(sa.token);
    const state = changeBeforeWrite(3, writes(['role.assigned']), () => call('POST', '/auth/logout', { token: sa.token }));
    const response = await bulkEdit(
      httpEvent({ method: 'POST', path: '/users/bulk', sub, authTime, body: { userIds: people.map((p) => p.id), actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: north() }] } }),
      lambdaContext(),
    );
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(204);
    const body = JSON.parse(response.body as string) as { applied: number; results: { ok: boolean; error?: { code: string } }[] };
    const done = await recordsBy(sa.user.id, ['role.assigned']);
    expect(done.length).toBeLessThanOrEqual(state.sentBefore);
    expect(body.applied).toBe(done.length);
    expect(new Set(body.results.filter((r) => !r.ok).map((r) => r.error?.code))).toEqual(new Set(['session_revoked']));
  }, 120_000);

  it('judges a caller demoted mid-request on their new roles: once their South role is taken, South people are refused and North people still done', async () => {
    const atSouth = await inBatches(Array.from({ length: 10 }, (_, i) => i), 5, () => createUser(trust.token, { memberships: [{ nodeId: south() }] }));
    const atNorth = await inBatches(Array.from({ length: 10 }, (_, i) => i), 5, () => createUser(trust.token, { memberships: [{ nodeId: north() }] }));
    const sa = await actor(trust, {
      memberships: [{ nodeId: north(), primary: true }, { nodeId: south() }],
      roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }, { roleId: presetIds.schoolAdmin, nodeId: south() }],
    });
    const southRole = (sa.user.roles as { id: string; nodeId: string }[]).find((r) => r.nodeId === south())!;
    const { sub, auth_time: authTime } = claimsOf(sa.token);
    const state = changeBeforeWrite(3, writes(['user.invited']), () => call('DELETE', `/users/${sa.user.id}/roles/${southRole.id}`, { token: trust.token }));

    const response = await bulkEdit(
      httpEvent({ method: 'POST', path: '/users/bulk', sub, authTime, body: { userIds: [...atSouth, ...atNorth].map((p) => p.id), actions: [{ op: 'resendInvitation' }] } }),
      lambdaContext(),
    );
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(204);
    const body = JSON.parse(response.body as string) as { results: { userId: string; ok: boolean; error?: { code: string } }[] };
    const southIds = new Set(atSouth.map((p) => p.id));
    const southDone = (await recordsBy(sa.user.id, ['user.invited'])).filter((r) => southIds.has(r.targetId));
    // At most the South writes sent before the removal landed; every other South person is out of the caller's reach now
    // (not_found, as the single route answers), and every North person is still done.
    expect(southDone.length).toBeLessThanOrEqual(Math.min(state.sentBefore, atSouth.length - 1));
    const southResults = body.results.filter((r) => southIds.has(r.userId));
    expect(southResults.filter((r) => r.ok).map((r) => r.userId).sort()).toEqual(southDone.map((r) => r.targetId).sort());
    expect(new Set(southResults.filter((r) => !r.ok).map((r) => r.error?.code))).toEqual(new Set(['not_found']));
    expect(body.results.filter((r) => !southIds.has(r.userId)).every((r) => r.ok)).toBe(true);
  }, 120_000);
});

describe('POST /users whose caller is deactivated between the checks and the write', () => {
  it('answers 409 concurrent_change when the caller can still act (their own record changed: send it again), and creates nobody', async () => {
    const sa = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
    const { sub, auth_time: authTime } = claimsOf(sa.token);
    const version = (await call('GET', `/users/${sa.user.id}`, { token: trust.token })).body.version as number;
    const state = changeBeforeWrite(1, writes(['user.created']), () =>
      call('PATCH', `/users/${sa.user.id}`, { token: trust.token, body: { lastName: 'Renamed' }, headers: { 'if-match': `"${version}"` } }),
    );
    const body = userBody({ memberships: [{ nodeId: north() }] });
    const response = await createUserRoute(httpEvent({ method: 'POST', path: '/users', sub, authTime, body }), lambdaContext());
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(200);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body as string).code).toBe('concurrent_change');
    expect(await recordsBy(sa.user.id, ['user.created'])).toEqual([]);
    // Sent again, it is judged on the caller as they are now, and done.
    expect((await call('POST', '/users', { token: sa.token, body })).status).toBe(201);
  });

  it('answers 401 session_revoked and creates nobody', async () => {
    const sa = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
    const { sub, auth_time: authTime } = claimsOf(sa.token);
    const state = changeBeforeWrite(1, writes(['user.created']), () => call('POST', `/users/${sa.user.id}/deactivate`, { token: trust.token }));
    const body = userBody({ memberships: [{ nodeId: north() }] });
    const response = await createUserRoute(httpEvent({ method: 'POST', path: '/users', sub, authTime, body }), lambdaContext());
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(200);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body as string).code).toBe('session_revoked');
    expect(await recordsBy(sa.user.id, ['user.created'])).toEqual([]);
    const found = await call('GET', `/users?q=${encodeURIComponent(body.email)}&includeInactive=true`, { token: trust.token });
    expect(found.body.items).toEqual([]);
  });
});

describe('a CSV import whose importer is deactivated while it applies', () => {
  it('stops (the job failed) and changes nobody more in their name', async () => {
    const sa = await actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });
    const people = await inBatches(Array.from({ length: 8 }, (_, i) => i), 8, () => createUser(trust.token, { memberships: [{ nodeId: north() }] }));
    const file = stringify([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools'],
      ...people.map((p) => [p.id, p.firstName, 'Imported', p.email, '', 'North School']),
    ]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: sa.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(preview.body.summary).toEqual({ create: 0, update: people.length, unchanged: 0, error: 0 });
    // What POST /users/import does, without the queue: the test delivers the message itself.
    const { planId } = preview.body;
    const meta = (await getPlanMeta(trust.trustId, planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, planId, importId)).toBe(true);
    await createJob(trust.trustId, {
      id: importId, planId, importerId: sa.user.id, mfa: false, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const state = changeBeforeWrite(3, writes(['user.updated']), () => call('POST', `/users/${sa.user.id}/deactivate`, { token: trust.token }));

    await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(200);
    const { job } = (await loadJob(trust.trustId, importId))!;
    const updated = await recordsBy(sa.user.id, ['user.updated']);
    expect(state.sentBefore).toBe(2);
    expect(updated).toHaveLength(2);
    expect(job).toMatchObject({ status: 'failed', updated: 2 });
  }, 120_000);
});

describe('a CSV import acts for the session that applied it (review I, left alone in session 6)', () => {
  /** A School Admin's preview of 8 people at North, applied as POST /users/import does (the job names `session`), without the queue. */
  /** `selfAt`: the importer's own row (their last name) goes at that index among the 8 others. */
  async function appliedImport(sa: { user: any; token: string }, selfAt?: number) {
    const people = await inBatches(Array.from({ length: 8 }, (_, i) => i), 8, () => createUser(trust.token, { memberships: [{ nodeId: north() }] }));
    if (selfAt !== undefined) people.splice(selfAt, 0, sa.user);
    const file = stringify([['id', 'firstName', 'lastName', 'email', 'userType', 'schools'], ...people.map((p) => [p.id, p.firstName, 'Imported', p.email, '', 'North School'])]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: sa.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    expect(preview.body.summary).toMatchObject({ update: people.length });
    const meta = (await getPlanMeta(trust.trustId, preview.body.planId))!;
    const importId = randomUUID();
    expect(await markPlanApplied(trust.trustId, preview.body.planId, importId)).toBe(true);
    const { auth_time: authTime } = claimsOf(sa.token);
    await createJob(trust.trustId, {
      id: importId, planId: preview.body.planId, importerId: sa.user.id, mfa: false, session: { authTime }, status: 'queued', total: meta.total, chunks: meta.chunks,
      done: 0, created: 0, updated: 0, unchanged: 0, failed: 0, createdAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    return importId;
  }
  const schoolAdmin = () => actor(trust, { memberships: [{ nodeId: north() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north() }] });

  it('POST /users/import keeps the applying session in the job (its sign-in time)', async () => {
    const sa = await schoolAdmin();
    const person = await createUser(trust.token, { memberships: [{ nodeId: north() }] });
    const file = stringify([['id', 'firstName', 'lastName', 'email', 'userType', 'schools'], [person.id, person.firstName, 'Kept', person.email, '', 'North School']]);
    const preview = await call('POST', '/users/import?dryRun=true', { token: sa.token, rawBody: file, headers: { 'content-type': 'text/csv' } });
    const applied = await call('POST', '/users/import', { token: sa.token, body: { planId: preview.body.planId } });
    expect(applied.status).toBe(202);
    const { job } = (await loadJob(trust.trustId, applied.body.importId))!;
    const claims = claimsOf(sa.token);
    expect(job.session).toEqual({ authTime: claims.auth_time, sessionId: claims.origin_jti ?? claims.event_id });
    expect(job.session!.sessionId).toEqual(expect.any(String));
  });

  it('counts the session\'s 2FA only while it still passes: the importer turning TOTP off withdraws it from the job (the session itself stays valid)', async () => {
    const sa = await schoolAdmin();
    const secret = await turnOnTotp(sa.token);
    const token = await signInWithTotp(sa.user.email, TEST_PASSWORD, secret);
    const claims = claimsOf(token);
    const acting = { session: { authTime: claims.auth_time, sessionId: (claims.origin_jti ?? claims.event_id)! }, mfa: true };
    expect((await callerOf(trust.trustId, sa.user.id, acting)).mfa).toBe(true);
    // A job recorded without 2FA never gains it, whatever the session does.
    expect((await callerOf(trust.trustId, sa.user.id, { ...acting, mfa: false })).mfa).toBe(false);
    expect((await call('DELETE', '/me/mfa/totp', { token, body: { code: totpCode(secret) } })).status).toBe(204);
    expect((await call('GET', '/me', { token })).status).toBe(200);
    expect((await callerOf(trust.trustId, sa.user.id, acting)).mfa).toBe(false);
  });

  it('stops when the importer signs out everywhere mid-job, and changes nobody more in their name', async () => {
    const sa = await schoolAdmin();
    const importId = await appliedImport(sa);
    const state = changeBeforeWrite(3, writes(['user.updated']), () => call('POST', '/auth/logout', { token: sa.token }));
    await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(204);
    expect(state.sentBefore).toBe(2);
    expect(await recordsBy(sa.user.id, ['user.updated'])).toHaveLength(2);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'failed', updated: 2 });
  }, 120_000);

  it('does not write the importer\'s own row once they signed out everywhere (their own profile is the row\'s person: review L, L1)', async () => {
    const sa = await schoolAdmin();
    const importId = await appliedImport(sa, 1);
    const state = changeBeforeWrite(2, writes(['user.updated']), () => call('POST', '/auth/logout', { token: sa.token }));
    await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(204);
    expect(state.sentBefore).toBe(1);
    expect((await recordsBy(sa.user.id, ['user.updated'])).map((r) => r.targetId)).not.toContain(sa.user.id);
    expect((await call('GET', `/users/${sa.user.id}`, { token: trust.token })).body.lastName).toBe(sa.user.lastName);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'failed', updated: 1 });
  }, 120_000);

  it('does not start for a session signed out before its first chunk', async () => {
    const sa = await schoolAdmin();
    const importId = await appliedImport(sa);
    expect((await call('POST', '/auth/logout', { token: sa.token })).status).toBe(204);
    await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    expect(await recordsBy(sa.user.id, ['user.updated'])).toHaveLength(0);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'failed', updated: 0 });
  }, 120_000);

  it('stops when the importer\'s 2FA is reset mid-job (the reset ends their sessions): no row after it is written with their 2FA', async () => {
    const admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
    const sa = await schoolAdmin();
    const secret = await turnOnTotp(sa.token);
    const sa2fa = { ...sa, token: await signInWithTotp(sa.user.email, TEST_PASSWORD, secret) };
    const importId = await appliedImport(sa2fa);
    const state = changeBeforeWrite(3, writes(['user.updated']), () => call('POST', `/users/${sa.user.id}/mfa/reset`, { token: admin2fa }));
    await applyChunk({ trustId: trust.trustId, importId, chunk: 0 });
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(204);
    expect(await recordsBy(sa.user.id, ['user.updated'])).toHaveLength(2);
    expect((await loadJob(trust.trustId, importId))!.job).toMatchObject({ status: 'failed', updated: 2 });
  }, 120_000);
});

describe('an MIS run whose actor is deactivated while it applies', () => {
  it('stops (failed, saver_cannot_act) and creates nobody more in their name', async () => {
    const school = north();
    const sa = await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school }] });
    await saveMisSettings(trust.trustId, school, sa.user.id, { orgSourcedId: 'org-caller' });
    const people = generatedRoster(12, { prefix: 'callerchg', domain: 'mis.test.example' });
    const rosterId = 'roster-caller-changed';
    await saveRoster(trust.trustId, school, rosterId, onerosterBundle({ org: { sourcedId: 'org-caller', name: 'North School' }, people }));
    const at = new Date().toISOString();
    await putRosterRef(trust.trustId, school, { rosterId, uploadedBy: sa.user.id, uploadedAt: at, bytes: 1 }, auditRecord({
      id: rosterId, at, actorId: sa.user.id, action: 'mis.roster_uploaded', targetType: 'node', targetId: school, nodeId: school,
    }));
    const runId = await queueRun(trust.trustId, school, sa.user.id, false);
    const state = changeBeforeWrite(4, writes(['user.created']), () => call('POST', `/users/${sa.user.id}/deactivate`, { token: trust.token }));

    await runSync(sent.at(-1)!);
    vi.restoreAllMocks();
    expect((await state.changed!).status).toBe(200);
    const run = await getRun(trust.trustId, runId);
    const created = await recordsBy(sa.user.id, ['user.created']);
    expect(created.length).toBeLessThanOrEqual(state.sentBefore);
    expect(state.sentBefore).toBeLessThan(people.length);
    expect(run).toMatchObject({ status: 'failed', created: created.length });
    expect(run!.errors[0]).toMatchObject({ code: 'saver_cannot_act' });
  }, 120_000);
});
