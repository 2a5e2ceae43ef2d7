import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { auditOf, profileItem } from '../../fixtures/identity';
import { onerosterBundle, generatedRoster, type RosterPersonFixture } from '../../fixtures/oneroster';
import { linkIn, mailTo, waitForMail } from '../../fixtures/mail';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';
import { authorityCases, waitForRun as waitForRunAs } from './authority-cases';
import { sweepOutbox } from '../../fixtures/notifications';

/**
 * The sync end to end on the local stack: a bundle uploaded over HTTP (a
 * binary body), a run queued and applied by the in-process mis-runs worker,
 * the accounts read back through GET /users/{id} and the audit.
 */

let trust: TestTrust;
/** A cluster admin of North: saves the settings, so the runs act with their rights. */
let saver: string;

const org = (sourcedId: string) => ({ sourcedId, name: 'A School' });

async function setUp(schoolName: string, orgSourcedId: string, extra: Record<string, unknown> = {}) {
  const school = trust.nodes[schoolName]!.id;
  const current = await call('GET', `/nodes/${school}/mis`, { token: saver });
  const version = current.status === 200 ? String(current.body.version) : '0';
  const saved = await call('PUT', `/nodes/${school}/mis`, {
    token: saver, headers: { 'if-match': version },
    body: { enabled: true, orgSourcedId, roleMap: { teacher: presetIds.teacher }, ...extra },
  });
  expect(saved.status).toBe(200);
  return school;
}

async function upload(school: string, zip: Uint8Array, token = saver) {
  return call('PUT', `/nodes/${school}/mis/roster`, { token, rawBody: zip, headers: { 'content-type': 'application/zip' } });
}

const waitForRun = (runId: string, token = saver) => waitForRunAs(runId, token);

async function run(school: string, body: { dryRun?: boolean } = {}) {
  const started = await call('POST', `/nodes/${school}/mis/runs`, { token: saver, body });
  expect(started.status).toBe(202);
  return waitForRun(started.body.runId);
}

async function sync(school: string, orgId: string, people: RosterPersonFixture[], options: Partial<Parameters<typeof onerosterBundle>[0]> = {}) {
  expect((await upload(school, onerosterBundle({ org: org(orgId), people, ...options }))).status).toBe(202);
  return run(school);
}

/** The accounts the sync made at a school, by email (from the audit's user.created records). */
async function createdAt(school: string): Promise<Map<string, string>> {
  const response = await call('GET', `/audit?nodeId=${school}&limit=200`, { token: trust.token });
  expect(response.status).toBe(200);
  return new Map(response.body.items.filter((r: any) => r.action === 'user.created').map((r: any) => [r.after.email, r.targetId]));
}

const getUser = async (id: string) => (await call('GET', `/users/${id}`, { token: trust.token })).body;

beforeAll(async () => {
  trust = await makeTrust();
  const north = trust.nodes.North!.id;
  saver = (await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] })).token;
});

describe('MIS runs', () => {
  it('makes accounts from an uploaded bundle, updates a changed name, makes a leaver inactive, and changes nothing on a second identical run', async () => {
    const school = await setUp('North School', 'org-north');
    const people = generatedRoster(6, { prefix: 'n1', domain: 'mis.test.example' });
    const first = await sync(school, 'org-north', people, { bom: true, crlf: true, extraColumns: true });
    expect(first).toMatchObject({ status: 'done', dryRun: false, created: 6, updated: 0, deactivated: 0, errors: [] });

    const ids = await createdAt(school);
    const teacher = await getUser(ids.get(people[0]!.email!)!);
    expect(teacher).toMatchObject({ source: 'mis', status: 'invited', firstName: people[0]!.givenName });
    expect(teacher.memberships).toEqual([expect.objectContaining({ nodeId: school, jobTitle: 'Teacher', primary: true })]);
    expect(teacher.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: school })]);
    // inviteNew is off: nobody was emailed an invitation.
    expect(await mailTo(people[0]!.email!)).toEqual([]);
    const again = await run(school);
    expect(again).toMatchObject({ status: 'done', created: 0, updated: 0, deactivated: 0, reactivated: 0, unchanged: 6 });

    const changed = people.slice(0, 5).map((p, i) => (i === 1 ? { ...p, familyName: 'Renamed' } : p));
    const second = await sync(school, 'org-north', changed);
    expect(second).toMatchObject({ status: 'done', created: 0, updated: 1, deactivated: 1, unchanged: 4, errors: [] });
    expect((await getUser(ids.get(people[1]!.email!)!)).lastName).toBe('Renamed');
    const leaver = await getUser(ids.get(people[5]!.email!)!);
    expect(leaver.status).toBe('inactive');
    expect(leaver.memberships).toEqual([]);
    const records = await auditOf(trust, ids.get(people[5]!.email!)!);
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['user.created', 'membership.removed', 'role.removed', 'user.deactivated']));

    // A leaver who comes back is reactivated with their roles.
    const back = await sync(school, 'org-north', people.slice(0, 6).map((p, i) => (i === 1 ? { ...p, familyName: 'Renamed' } : p)));
    expect(back).toMatchObject({ status: 'done', reactivated: 1, created: 0 });
    const returned = await getUser(ids.get(people[5]!.email!)!);
    expect(returned.status).toBe('invited');
    expect(returned.memberships).toEqual([expect.objectContaining({ nodeId: school })]);

    const list = await call('GET', `/nodes/${school}/mis/runs`, { token: saver });
    expect(list.status).toBe(200);
    expect(list.body.items[0].id).toBe(back.id);
    expect(list.body.items.length).toBe(4);
  });

  it('keeps a hand edit, and keeps the person when their MIS id changes but the email stays', async () => {
    const school = await setUp('Sub School', 'org-sub');
    const people = generatedRoster(6, { prefix: 's1', domain: 'mis.test.example' });
    await sync(school, 'org-sub', people);
    const ids = await createdAt(school);
    const editedId = ids.get(people[0]!.email!)!;
    const before = await getUser(editedId);
    const patched = await call('PATCH', `/users/${editedId}`, { token: trust.token, body: { firstName: 'Fixed' }, headers: { 'if-match': `"${before.version}"` } });
    expect(patched.status).toBe(200);

    const next = people.map((p, i) => (i === 0 ? { ...p, givenName: 'MisName' } : i === 1 ? { ...p, sourcedId: 'new-mis-id-1' } : p));
    const result = await sync(school, 'org-sub', next);
    expect(result).toMatchObject({ status: 'done', created: 0, deactivated: 0, skippedEdited: 1, errors: [] });
    expect((await getUser(editedId)).firstName).toBe('Fixed');
    const moved = await getUser(ids.get(people[1]!.email!)!);
    expect(moved.status).toBe('invited');
    expect(moved.memberships).toEqual([expect.objectContaining({ nodeId: school })]);
    expect((await auditOf(trust, moved.id)).map((r) => r.action)).toContain('mis.linked');
    expect(await run(school)).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 6 });
  });

  it('holds a truncated roster, changing nothing, until someone approves it', async () => {
    // South's own cluster admin saves and runs here (North's may not).
    const south = trust.nodes.South!.id;
    saver = (await actor(trust, { memberships: [{ nodeId: south }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: south }] })).token;
    const school = await setUp('South School', 'org-south', { roleMap: {} });
    const people = generatedRoster(5, { prefix: 'h1', domain: 'mis.test.example' });
    await sync(school, 'org-south', people);
    const ids = await createdAt(school);
    const held = await sync(school, 'org-south', people.slice(0, 2));
    expect(held).toMatchObject({ status: 'held', deactivated: 3 });
    expect((await getUser(ids.get(people[4]!.email!)!)).status).toBe('invited');

    const teacher = (await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] })).token;
    expect((await call('POST', `/mis/runs/${held.id}/approve`, { token: teacher })).status).toBe(404);
    const approved = await call('POST', `/mis/runs/${held.id}/approve`, { token: saver });
    expect(approved.status).toBe(202);
    const done = await waitForRun(held.id);
    expect(done).toMatchObject({ status: 'done', deactivated: 3 });
    expect((await getUser(ids.get(people[4]!.email!)!)).status).toBe('inactive');
    expect((await call('POST', `/mis/runs/${held.id}/approve`, { token: saver })).status).toBe(409);
  });
});

describe('MIS runs: rows, deltas and guards', () => {
  let school: string;
  let people: RosterPersonFixture[];

  beforeAll(async () => {
    const seeded = await makeTrust();
    trust = seeded;
    const north = trust.nodes.North!.id;
    saver = (await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] })).token;
    school = await setUp('North School', 'org-n2', { maxLeaverShare: 0.5 });
    people = generatedRoster(4, { prefix: 'd1', domain: 'mis.test.example' });
  });

  it('reports a malformed row for that row only, and a dry run writes nothing', async () => {
    const header = 'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns';
    const row = (p: RosterPersonFixture) => `${p.sourcedId},,,true,${p.email},,${p.givenName},${p.familyName},,,${p.email},,,,,,,,,,,`;
    const usersCsv = [header, ...people.map(row), 'broken,,,"unterminated', ''].join('\n');
    expect((await upload(school, onerosterBundle({ org: org('org-n2'), people, usersCsv }))).status).toBe(202);
    const dry = await run(school, { dryRun: true });
    expect(dry).toMatchObject({ status: 'done', dryRun: true, created: 4 });
    expect((await createdAt(school)).size).toBe(0);
    const result = await run(school);
    expect(result.created).toBe(4);
    expect(result.errors.length).toBeGreaterThanOrEqual(1);
    expect(result.errors.every((e: any) => e.line !== null && e.line > people.length)).toBe(true);
  });

  it('takes a delta bundle: a tobedeleted person leaves, the others stay as they are', async () => {
    const ids = await createdAt(school);
    const delta = await sync(school, 'org-n2', [{ ...people[3]!, status: 'tobedeleted' }], { mode: 'delta' });
    expect(delta).toMatchObject({ status: 'done', deactivated: 1, created: 0, errors: [] });
    expect((await getUser(ids.get(people[3]!.email!)!)).status).toBe('inactive');
    expect((await getUser(ids.get(people[0]!.email!)!)).status).toBe('invited');
  });

  it('refuses what the settings saver may not do: deactivating someone who outranks them is an error row, not applied', async () => {
    // An account placed at the school by hand is never taken over by the roster (email_taken), nor touched.
    const manual = await createUser(trust.token, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] });
    const head = { sourcedId: 'head-1', givenName: 'Hea', familyName: 'D', email: 'head-1-n2@mis.test.example', role: 'principal' };
    const listed = [...people.slice(0, 3), head, { sourcedId: 'manual-1', givenName: 'Man', familyName: 'Ual', email: manual.email, role: 'teacher' }];
    const made = await sync(school, 'org-n2', listed);
    expect(made.errors).toEqual([expect.objectContaining({ sourcedId: 'manual-1', code: 'email_taken' })]);
    expect(made.created).toBe(1);
    expect(await getUser(manual.id)).toMatchObject({ source: 'manual', version: manual.version });
    // The MIS's head is then given a role in another cluster too (so North's cluster admin does not outrank them),
    // then dropped from the roster: the run may not deactivate them.
    const headId = (await createdAt(school)).get(head.email)!;
    const granted = await call('POST', `/users/${headId}/roles`, { token: trust.token, body: { roleId: presetIds.teachingAssistant, nodeId: trust.nodes['South School']!.id } });
    expect(granted.status).toBe(201);
    const before = await getUser(headId);
    const dropped = await sync(school, 'org-n2', people.slice(0, 3));
    expect(dropped.errors).toEqual([expect.objectContaining({ sourcedId: 'head-1', code: 'outranked' })]);
    // A run the Trust Admin starts is still bounded by the saver's rights (the settings' roleMap was judged against them).
    // With no body at all: every field of the body is optional (review F, F-8).
    const started = await call('POST', `/nodes/${school}/mis/runs`, { token: trust.token });
    expect(started.status).toBe(202);
    expect((await waitForRun(started.body.runId)).errors).toEqual([expect.objectContaining({ sourcedId: 'head-1', code: 'outranked' })]);
    const after = await getUser(headId);
    expect(after.status).toBe(before.status);
    expect(after.memberships).toEqual([expect.objectContaining({ nodeId: school })]);
  });
});

authorityCases();

describe('MIS runs: who may, and the nightly job', () => {
  let school: string;
  let saverUser: { id: string; email: string };

  beforeAll(async () => {
    trust = await makeTrust();
    const north = trust.nodes.North!.id;
    const made = await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] });
    saver = made.token;
    saverUser = made.user;
    school = await setUp('North School', 'org-n3');
  });

  it('lets only org.manage at the school upload and run, and only users.view there read the runs', async () => {
    const zip = onerosterBundle({ org: org('org-n3'), people: generatedRoster(2, { prefix: 'w1', domain: 'mis.test.example' }) });
    const teacher = (await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school }] })).token;
    const south = trust.nodes.South!.id;
    const southAdmin = (await actor(trust, { memberships: [{ nodeId: south }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: south }] })).token;
    expect((await upload(school, zip, teacher)).status).toBe(403);
    expect((await upload(school, zip, southAdmin)).status).toBe(403);
    expect((await call('POST', `/nodes/${school}/mis/runs`, { token: southAdmin, body: {} })).status).toBe(403);
    expect((await upload(trust.nodes.North!.id, zip)).status).toBe(400);
    const notZip = await upload(school, new TextEncoder().encode('sourcedId,givenName\n1,A\n'));
    expect(notZip).toMatchObject({ status: 400, body: { code: 'invalid_bundle' } });

    expect((await upload(school, zip)).status).toBe(202);
    const done = await run(school);
    expect(done).toMatchObject({ status: 'done', created: 2 });
    expect((await call('GET', `/mis/runs/${done.id}`, { token: southAdmin })).status).toBe(404);
    expect((await call('GET', `/nodes/${school}/mis/runs`, { token: southAdmin })).status).toBe(403);
    expect((await call('GET', `/mis/runs/${done.id}`, { token: teacher })).status).toBe(404);
    const schoolAdmin = (await actor(trust, { memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school }] })).token;
    expect((await call('GET', `/mis/runs/${done.id}`, { token: schoolAdmin })).status).toBe(200);
    expect((await call('GET', `/nodes/${school}/mis/runs`, { token: schoolAdmin })).status).toBe(200);
    expect((await call('POST', `/mis/runs/${done.id}/approve`, { token: schoolAdmin })).status).toBe(403);
  });

  it('does not bring back a leaver whom a trust admin has since placed outside the saver\'s reach', async () => {
    const other = await setUp('Sub School', 'org-s3');
    const people = generatedRoster(6, { prefix: 'w2', domain: 'mis.test.example' });
    await sync(other, 'org-s3', people);
    const ids = await createdAt(other);
    const leaverId = ids.get(people[5]!.email!)!;
    expect((await sync(other, 'org-s3', people.slice(0, 5))).deactivated).toBe(1);
    const placed = await call('PUT', `/users/${leaverId}/memberships/${trust.nodes['South School']!.id}`, { token: trust.token, body: {} });
    expect(placed.status).toBeLessThan(300);
    const back = await sync(other, 'org-s3', people);
    expect(back.errors).toEqual([expect.objectContaining({ sourcedId: people[5]!.sourcedId, code: 'not_found' })]);
    const after = await getUser(leaverId);
    expect(after.status).toBe('inactive');
    expect(after.memberships.map((m: any) => m.nodeId)).toEqual([trust.nodes['South School']!.id]);
  });

  it('emails new people their invitation only when the settings say inviteNew', async () => {
    const other = await setUp('Sub School', 'org-s4', { inviteNew: true, maxLeaverShare: 1 });
    const people = generatedRoster(1, { prefix: 'w3', domain: 'mis.test.example' });
    expect(await sync(other, 'org-s4', people)).toMatchObject({ status: 'done', created: 1 });
    const mail = await waitForMail(people[0]!.email!);
    expect(mail.subject.toLowerCase()).toContain('invit');
  });

  it('voids the invitation sent to an address the roster then corrects; the re-send goes to the new address', async () => {
    const other = await setUp('Sub School', 'org-s4', { inviteNew: true, maxLeaverShare: 1 });
    // The school's person from the test above stays on the roster, so nobody leaves.
    const kept = generatedRoster(1, { prefix: 'w3', domain: 'mis.test.example' });
    const person = generatedRoster(1, { prefix: 'w5', domain: 'mis.test.example' })[0]!;
    expect(await sync(other, 'org-s4', [...kept, person])).toMatchObject({ status: 'done', errors: [] });
    const { token: stolen } = linkIn(await waitForMail(person.email!), 'invite');
    const corrected = 'staff.0.w5.corrected@mis.test.example';
    expect(await sync(other, 'org-s4', [...kept, { ...person, email: corrected }])).toMatchObject({ status: 'done', updated: 1, errors: [] });
    const id = (await createdAt(other)).get(person.email!)!;
    expect(await getUser(id)).toMatchObject({ email: corrected, status: 'invited' });
    expect((await profileItem(trust, id)).invitationTokenHash).toBeUndefined(); // voided by the move itself
    const refused = await call('POST', '/auth/invitations/accept', { body: { token: stolen, password: 'Lantern-Harbour-93' } });
    expect(refused).toMatchObject({ status: 410, body: { code: 'token_used' } });
    expect((await call('POST', `/users/${id}/invitation`, { token: trust.token })).status).toBe(202);
    const { token } = linkIn(await waitForMail(corrected), 'invite');
    expect(await call('POST', '/auth/invitations/accept', { body: { token, password: 'Lantern-Harbour-93' } })).toMatchObject({ status: 200, body: { email: corrected } });
  });

  it('runs every enabled school from the nightly job, audits the run and tells the school\'s org.manage holders', async () => {
    // The roster the night reads is uploaded by the Trust Admin, not the settings' saver: the nightly run acts for its uploader.
    const zip = onerosterBundle({ org: org('org-n3'), people: generatedRoster(2, { prefix: 'w1', domain: 'mis.test.example' }) });
    expect((await upload(school, zip, trust.token)).status).toBe(202);
    const before = (await call('GET', `/nodes/${school}/mis/runs`, { token: saver })).body.items.length;
    // 03:00 UTC is after 02:00 in London in winter and summer alike, 00:00 UTC before it in both; the night is this trust's first.
    const night = `${new Date().toISOString().slice(0, 10)}T03:00:00.000Z`;
    const early = await call('POST', `/_local/run/mis-sync?at=${new Date(Date.parse(night) - 3 * 3_600_000).toISOString()}&trustId=${trust.trustId}`);
    expect(early.status).toBe(200);
    const job = await call('POST', `/_local/run/mis-sync?at=${night}&trustId=${trust.trustId}`);
    expect(job.status).toBe(200);
    expect(job.body.summary.queued).toBeGreaterThanOrEqual(1);
    // Only this trust's night (?trustId=): other test files' trusts with enabled schools are left to their own tests.
    expect(job.body.summary.trusts).toBe(1);
    // The same night again (an overlapping or repeated run) queues nothing more for this trust.
    const again = await call('POST', `/_local/run/mis-sync?at=${night}&trustId=${trust.trustId}`);
    expect(again.status).toBe(200);
    let runs: any[] = [];
    for (let i = 0; i < 300; i++) {
      runs = (await call('GET', `/nodes/${school}/mis/runs`, { token: saver })).body.items;
      if (runs.length > before && runs[0].status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(runs.length).toBe(before + 1); // the early run (before 02:00) and the repeat queued nothing here
    expect(runs[0]).toMatchObject({ status: 'done', created: 0, updated: 0, deactivated: 0 });
    const audit = await call('GET', `/audit?nodeId=${school}&limit=200`, { token: trust.token });
    expect(audit.body.items.filter((r: any) => r.action === 'mis.run_done' && r.after.runId === runs[0].id)).toEqual([
      expect.objectContaining({ actorId: trust.adminId, after: expect.objectContaining({ actsFor: trust.adminId }) }),
    ]);
    // The run's event was stored with the run (the outbox): the notify sweep raises it.
    await sweepOutbox();
    const told = (await call('GET', '/me/notifications', { token: saver })).body.items
      .some((n: any) => n.category === 'mis_sync' && n.nodeId === school && n.link === `/mis/runs/${runs[0].id}`);
    expect(told).toBe(true);
    void saverUser;
  });
});
