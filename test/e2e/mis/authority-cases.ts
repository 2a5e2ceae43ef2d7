import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { mailTo } from '../../fixtures/mail';
import { onerosterBundle, type RosterPersonFixture } from '../../fixtures/oneroster';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * Whom a sync run acts for, end to end: the person who started, approved or
 * uploaded it, with every guard passing for them AND for the settings' saver.
 * The attack (security review): a Trust Admin saved North School's settings;
 * North's cluster admin uploads rosters that name someone outside their reach
 * or someone who outranks them, and runs them, hoping the run acts with the
 * Trust Admin's rights (adopt, rename, move the email, then reset the
 * password; reactivate). Each step is an error row and nothing changes.
 *
 * Called from runs.test.ts, before its nightly-job test: the nightly job runs
 * every trust's enabled schools on the shared stack, so a file of its own
 * running beside it could see a nightly run land between an upload and its
 * run. Within one file the blocks run one after the other.
 */

let trust: TestTrust;
let clusterAdmin: { user: { id: string }; token: string };
let northSchool: string;
let southSchool: string;

const person = (id: string, role = 'teacher', extra: Partial<RosterPersonFixture> = {}): RosterPersonFixture => ({
  sourcedId: id, givenName: `Given-${id}`, familyName: `Family-${id}`, email: `${id}-${trust.nodes.North!.id.slice(0, 8)}@mis-authority.example`, role, ...extra,
});

async function save(school: string, orgSourcedId: string, token: string, extra: Record<string, unknown> = {}) {
  const current = await call('GET', `/nodes/${school}/mis`, { token });
  const version = current.status === 200 ? String(current.body.version) : '0';
  const saved = await call('PUT', `/nodes/${school}/mis`, {
    token, headers: { 'if-match': version }, body: { enabled: true, orgSourcedId, roleMap: { teacher: presetIds.teacher }, maxLeaverShare: 1, ...extra },
  });
  expect(saved.status).toBe(200);
}

/** Waits until the run is no longer running (the queue applies it asynchronously) and answers it as GET /mis/runs/{runId} shows it. */
export async function waitForRun(runId: string, token: string) {
  for (let i = 0; i < 300; i++) {
    const run = await call('GET', `/mis/runs/${runId}`, { token });
    expect(run.status).toBe(200);
    if (run.body.status !== 'running') return run.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** Uploads a roster and runs it, both as `token`. */
async function sync(school: string, orgSourcedId: string, people: RosterPersonFixture[], token: string) {
  const uploaded = await call('PUT', `/nodes/${school}/mis/roster`, {
    token, rawBody: onerosterBundle({ org: { sourcedId: orgSourcedId, name: 'A School' }, people }), headers: { 'content-type': 'application/zip' },
  });
  expect(uploaded.status).toBe(202);
  const started = await call('POST', `/nodes/${school}/mis/runs`, { token, body: {} });
  expect(started.status).toBe(202);
  return waitForRun(started.body.runId, token);
}

const getUser = async (id: string) => (await call('GET', `/users/${id}`, { token: trust.token })).body;

async function idOf(school: string, email: string): Promise<string> {
  const response = await call('GET', `/audit?nodeId=${school}&limit=200`, { token: trust.token });
  expect(response.status).toBe(200);
  const record = response.body.items.find((r: any) => r.action === 'user.created' && r.after.email === email);
  expect(record).toBeDefined();
  return record.targetId;
}

async function runAudit(school: string, runId: string) {
  const response = await call('GET', `/audit?nodeId=${school}&limit=200`, { token: trust.token });
  return response.body.items.find((r: any) => r.action.startsWith('mis.run_') && r.action !== 'mis.run_approved' && r.after.runId === runId);
}

export function authorityCases(): void {
  describe('MIS runs: whom a run acts for', () => {
    beforeAll(async () => {
      trust = await makeTrust();
      northSchool = trust.nodes['North School']!.id;
      southSchool = trust.nodes['South School']!.id;
      clusterAdmin = await actor(trust, { memberships: [{ nodeId: trust.nodes.North!.id }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: trust.nodes.North!.id }] });
      // The Trust Admin saves both schools' settings: every run is bounded by their rights, which reach everyone.
      await save(northSchool, 'org-north', trust.token);
      await save(southSchool, 'org-south', trust.token);
    });

    describe('MIS runs act for whoever triggered them, bounded by the settings\' saver', () => {
      it('a cluster admin\'s roster cannot adopt a Head of another cluster, nor move their email for a password reset', async () => {
        // V: staff at South School (the review's Head; granting Head Teacher needs a 2FA session a run never has) whose account
        // came from South's MIS (a legitimate run by the saver works). North's cluster admin neither reaches nor outranks V.
        const v = person('v-head');
        const south = await sync(southSchool, 'org-south', [v], trust.token);
        expect(south).toMatchObject({ status: 'done', created: 1, errors: [] });
        const vId = await idOf(southSchool, v.email!);
        const before = await getUser(vId);
        expect(before.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: southSchool })]);

        // Step 1: North's cluster admin lists V's email under a new id x1: not adopted (V is not North School's MIS person).
        const adopt = await sync(northSchool, 'org-north', [person('x1', 'teacher', { email: v.email, givenName: 'Renamed' })], clusterAdmin.token);
        expect(adopt).toMatchObject({ status: 'done', created: 0, updated: 0, reactivated: 0 });
        expect(adopt.errors).toEqual([expect.objectContaining({ sourcedId: 'x1', code: 'email_taken' })]);
        // Step 2: the same id with the attacker's address: a new person at most, never V's login.
        const attacker = `attacker-${vId.slice(0, 8)}@evil.example`;
        const move = await sync(northSchool, 'org-north', [person('x1', 'teacher', { email: attacker })], clusterAdmin.token);
        expect(move.errors).toEqual([]);
        const after = await getUser(vId);
        expect(after).toMatchObject({ email: before.email, firstName: before.firstName, status: before.status, version: before.version });
        expect(after.memberships.map((m: any) => m.nodeId)).toEqual([southSchool]);
        // Step 3: a reset asked for the attacker's address reaches only the new x1 account (invited: no reset), never V's.
        expect((await call('POST', '/auth/password-reset', { body: { email: attacker } })).status).toBe(202);
        expect((await call('POST', '/auth/password-reset', { body: { email: v.email } })).status).toBe(202);
        expect((await mailTo(attacker)).filter((m) => /reset/i.test(m.subject))).toEqual([]);
        // The single route refuses the cluster admin as well.
        const patched = await call('PATCH', `/users/${vId}`, { token: clusterAdmin.token, headers: { 'if-match': `"${after.version}"` }, body: { email: attacker } });
        expect([403, 404]).toContain(patched.status);
      });

      it('a cluster admin\'s roster cannot move the email of, nor reactivate, an MIS person of their school who outranks them or left their reach', async () => {
        // W and Y come from North School's MIS (runs by the Trust Admin); then the Trust Admin gives W a role in South (so North's
        // cluster admin no longer outranks W),
        // and, once the sync has made Y a leaver, gives Y a role at South School.
        const w = person('w-staff');
        const y = person('y-staff');
        const first = await sync(northSchool, 'org-north', [w, y], trust.token);
        expect(first).toMatchObject({ status: 'done', errors: [] });
        const wId = await idOf(northSchool, w.email!);
        const yId = await idOf(northSchool, y.email!);
        const headRole = await call('POST', `/users/${wId}/roles`, { token: trust.token, body: { roleId: presetIds.teacher, nodeId: southSchool } });
        expect(headRole.status).toBe(201);
        const left = await sync(northSchool, 'org-north', [w], trust.token);
        expect(left).toMatchObject({ deactivated: 1 });
        expect((await getUser(yId)).status).toBe('inactive');
        const placed = await call('POST', `/users/${yId}/roles`, { token: trust.token, body: { roleId: presetIds.teacher, nodeId: southSchool } });
        expect(placed.status).toBe(201);
        const wBefore = await getUser(wId);
        const yBefore = await getUser(yId);

        // The cluster admin's roster: W's email moved (and renamed), Y listed again.
        const attack = await sync(northSchool, 'org-north', [{ ...w, email: 'w-moved@evil.example', givenName: 'Moved' }, y], clusterAdmin.token);
        expect(attack.errors).toEqual(expect.arrayContaining([
          expect.objectContaining({ sourcedId: w.sourcedId, code: 'outranked' }),
          expect.objectContaining({ sourcedId: y.sourcedId, code: 'not_found' }),
        ]));
        expect(attack).toMatchObject({ updated: 0, reactivated: 0 });
        expect(await getUser(wId)).toMatchObject({ email: wBefore.email, firstName: wBefore.firstName, version: wBefore.version });
        expect(await getUser(yId)).toMatchObject({ status: 'inactive', version: yBefore.version });
        // The run says whom it acted for.
        expect((await runAudit(northSchool, attack.id))).toMatchObject({ actorId: clusterAdmin.user.id, after: { actsFor: clusterAdmin.user.id } });

        // The same roster run by the Trust Admin (who saved the settings) applies: both may.
        const legit = await sync(northSchool, 'org-north', [{ ...w, email: `w-moved-${wId.slice(0, 8)}@mis-authority.example`, givenName: 'Moved' }, y], trust.token);
        expect(legit).toMatchObject({ status: 'done', updated: 1, reactivated: 1, errors: [] });
        expect((await getUser(wId)).firstName).toBe('Moved');
        expect((await getUser(yId)).status).not.toBe('inactive');
      });

      it('an approved held run acts for its approver: the cluster admin\'s rights apply, not the saver\'s', async () => {
        const school = trust.nodes['Sub School']!.id; // under North
        await save(school, 'org-sub', trust.token, { maxLeaverShare: 0.2 });
        const people = [person('n1'), person('n2'), person('n3'), person('n4')];
        expect(await sync(school, 'org-sub', people, trust.token)).toMatchObject({ created: 4, errors: [] });
        const ids = await Promise.all(people.map((p) => idOf(school, p.email!)));
        // n4 gets a role in South too: North's cluster admin does not outrank them, the Trust Admin does.
        expect((await call('POST', `/users/${ids[3]}/roles`, { token: trust.token, body: { roleId: presetIds.teacher, nodeId: southSchool } })).status).toBe(201);

        // The Trust Admin's roster drops n3 and n4 (over the share): held; North's cluster admin approves it.
        const held = await sync(school, 'org-sub', people.slice(0, 2), trust.token);
        expect(held).toMatchObject({ status: 'held', deactivated: 2 });
        expect((await call('POST', `/mis/runs/${held.id}/approve`, { token: clusterAdmin.token })).status).toBe(202);
        const done = await waitForRun(held.id, trust.token);
        expect(done).toMatchObject({ status: 'done', deactivated: 1 });
        expect(done.errors).toEqual([expect.objectContaining({ sourcedId: 'n4', code: 'outranked' })]);
        expect((await getUser(ids[2]!)).status).toBe('inactive');
        expect((await getUser(ids[3]!)).status).not.toBe('inactive');
        expect(await runAudit(school, held.id)).toMatchObject({ actorId: clusterAdmin.user.id, after: { actsFor: clusterAdmin.user.id, status: 'done' } });
      });
    });

    describe('MIS runs leave people deactivated by hand alone', () => {
      it('keeps a person deactivated by hand inactive and reports them; a leaver the sync deactivated comes back with their roles', async () => {
        const school = trust.nodes['South School']!.id;
        const people = [person('h1'), person('h2'), person('h3')];
        expect(await sync(school, 'org-south', people, trust.token)).toMatchObject({ created: 3, errors: [] });
        const [suspendedId, leaverId, takenOverId] = await Promise.all(people.map((p) => idOf(school, p.email!)));

        // h1 is suspended by hand while the MIS still lists them.
        expect((await call('POST', `/users/${suspendedId}/deactivate`, { token: trust.token })).status).toBe(200);
        // h2 and h3 leave the roster: the sync deactivates them.
        expect(await sync(school, 'org-south', people.slice(0, 1), trust.token)).toMatchObject({ deactivated: 2 });
        // h3, already made inactive by the sync, is then deactivated by hand too (an allegation after they left): the admin takes it over.
        const takenOver = await call('POST', `/users/${takenOverId}/deactivate`, { token: trust.token });
        expect(takenOver.status).toBe(200);
        expect(takenOver.body.status).toBe('inactive');

        const back = await sync(school, 'org-south', people, trust.token);
        expect(back).toMatchObject({ status: 'done', reactivated: 1 });
        expect(back.errors).toEqual(expect.arrayContaining([
          expect.objectContaining({ sourcedId: 'h1', code: 'deactivated_by_hand' }),
          expect.objectContaining({ sourcedId: 'h3', code: 'deactivated_by_hand' }),
        ]));
        expect(back.errors).toHaveLength(2);
        expect((await getUser(suspendedId!)).status).toBe('inactive');
        expect((await getUser(takenOverId!)).status).toBe('inactive');
        const returned = await getUser(leaverId!);
        expect(returned.status).toBe('invited');
        expect(returned.memberships).toEqual([expect.objectContaining({ nodeId: school })]);
        expect(returned.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: school })]);

        // Once an admin reactivates the suspended person by hand, the sync manages them again as usual.
        expect((await call('POST', `/users/${suspendedId}/activate`, { token: trust.token })).status).toBe(200);
        expect(await sync(school, 'org-south', people, trust.token)).toMatchObject({ reactivated: 0, errors: [expect.objectContaining({ sourcedId: 'h3' })] });
      });
    });
  });
}
