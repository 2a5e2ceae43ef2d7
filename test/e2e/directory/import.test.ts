import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds, presetRoles } from '../../../domain/access/roles';
import {
  formatRolesCell, formatSchoolsCell, formulaSafe, untilCellDate, USER_CSV_COLUMNS,
} from '../../../domain/directory/csv-format';
import { call } from '../../fixtures/api';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../../../functions/adapters/dynamo/client';
import { keys } from '../../../functions/adapters/dynamo/keys';
import { auditOf, mailTo, patchProfile, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * The CSV import over HTTP: preview (a plan per row), apply in the
 * background with progress, and the attacks a lower admin could try through
 * a spreadsheet (escalation, another admin's login, people outside reach).
 */

let trust: TestTrust;
let admin2fa: string;

const node = (name: string) => trust.nodes[name]!.id;
const nodeName = (id: string) => Object.values(trust.nodes).find((n) => n.id === id)!.name;
const roleName = (id: string) => presetRoles().find((r) => r.id === id)!.name;
const get = async (userId: string) => (await call('GET', `/users/${userId}`, { token: trust.token })).body;

/** A CSV as a spreadsheet would save it. */
function csv(rows: string[][], options: { delimiter?: string; bom?: boolean; crlf?: boolean } = {}) {
  return stringify(rows, { delimiter: options.delimiter ?? ',', bom: options.bom ?? false, record_delimiter: options.crlf ? 'windows' : 'unix' });
}

/** A person's row exactly as the export writes it (API.md columns and cell rules). */
function exportRow(user: any): string[] {
  const primary = user.memberships.find((m: any) => m.primary);
  const cells: Record<(typeof USER_CSV_COLUMNS)[number], string> = {
    id: user.id, firstName: user.firstName, lastName: user.lastName, email: user.email, mobile: user.mobile ?? '',
    userType: user.userType, status: user.status, source: user.source, edited: String(user.edited),
    primarySchool: primary ? nodeName(primary.nodeId) : '', jobTitle: primary?.jobTitle ?? '',
    schools: formatSchoolsCell(user.memberships.map((m: any) => nodeName(m.nodeId))),
    roles: formatRolesCell(user.roles.map((r: any) => ({ roleName: roleName(r.roleId), nodeName: nodeName(r.nodeId), ...(r.validUntil ? { until: untilCellDate(r.validUntil) } : {}) }))),
    lastSignInAt: '',
  };
  return USER_CSV_COLUMNS.map((column) => formulaSafe(cells[column]));
}

const preview = (token: string, body: string) =>
  call('POST', '/users/import?dryRun=true', { token, rawBody: body, headers: { 'content-type': 'text/csv' } });
const apply = (token: string, planId: string) => call('POST', '/users/import', { token, body: { planId } });

async function waitForImport(token: string, importId: string) {
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    const progress = await call('GET', `/users/imports/${importId}`, { token });
    expect(progress.status).toBe(200);
    if (progress.body.status === 'done' || progress.body.status === 'failed') return progress.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`import ${importId} did not finish`);
}

const teacherAt = (school: string, extra: Record<string, unknown> = {}) => ({
  memberships: [{ nodeId: node(school) }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }], ...extra,
});

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await turnOnTotp(trust.token);
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, secret);
}, 60_000);

describe('preview', () => {
  it('plans creates, updates, unchanged rows and errors, each with its line and column', async () => {
    const teacher = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const same = await get((await createUser(trust.token, teacherAt('South School'))).id);
    const newEmail = uniqueEmail('new');
    const header = ['id', 'firstName', 'lastName', 'email', 'userType', 'schools', 'roles'];
    const file = csv([
      header,
      ['', 'Nia', 'New', newEmail, 'staff', 'North School', 'Teacher@North School'],
      [teacher.id, teacher.firstName, 'Renamed', teacher.email, 'staff', '', ''],
      [same.id, same.firstName, same.lastName, same.email, 'staff', 'South School', 'Teacher@South School'],
      ['', 'Bad', 'Row', uniqueEmail('bad'), 'robot', 'Nowhere', 'Teacher@North School'],
    ]);
    const response = await preview(trust.token, file);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.summary).toEqual({ create: 1, update: 1, unchanged: 1, error: 1 });
    const [create, update, unchanged, error] = response.body.rows;
    expect(create).toMatchObject({ line: 2, action: 'create' });
    expect(create.changes).toEqual(expect.arrayContaining([
      { field: 'email', from: null, to: newEmail },
      { field: 'schools', from: null, to: 'North School' },
      { field: 'roles', from: null, to: 'Teacher@North School' },
    ]));
    expect(update).toMatchObject({ line: 3, action: 'update', userId: teacher.id, changes: [{ field: 'lastName', from: teacher.lastName, to: 'Renamed' }], errors: [] });
    expect(unchanged).toMatchObject({ line: 4, action: 'unchanged', userId: same.id, changes: [], errors: [] });
    expect(error.line).toBe(5);
    expect(error.action).toBe('error');
    expect(error.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ column: 'userType', code: 'invalid_value' }),
      expect.objectContaining({ column: 'schools', code: 'unknown_node' }),
    ]));
    // A preview changes nobody.
    expect((await get(teacher.id)).lastName).toBe(teacher.lastName);
  });

  it('reads a BOM, `;`, CRLF, quoted commas and line breaks, any header case and extra columns', async () => {
    const person = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const file = csv([
      ['ID', 'FIRSTNAME', 'lastname', 'Email', 'Notes', 'JobTitle'],
      [person.id, 'Smith, Jr', person.lastName, person.email, 'line one\r\nline two', 'Head of Maths; KS3'],
      ['', 'Ada', 'Lovelace', uniqueEmail('ada'), 'x', ''],
    ], { delimiter: ';', bom: true, crlf: true });
    expect(file.startsWith('\uFEFF')).toBe(true);
    const response = await preview(trust.token, file);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [first, second] = response.body.rows;
    expect(first).toMatchObject({ line: 2, action: 'update' });
    expect(first.changes).toEqual(expect.arrayContaining([
      { field: 'firstName', from: person.firstName, to: 'Smith, Jr' },
      { field: 'jobTitle', from: null, to: 'Head of Maths; KS3' },
    ]));
    // The quoted line break made the first record two lines long.
    expect(second.line).toBe(4);
    // No userType column: a new person cannot be made from this file.
    expect(second).toMatchObject({ action: 'error', errors: [expect.objectContaining({ column: 'userType', code: 'required' })] });
  });

  it("takes back a mobile whose `+` Excel dropped, and the `'` the export put before a formula", async () => {
    const person = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'mobile'],
      [person.id, "'=cmd|' /C calc'!A0", person.lastName, person.email, '447700900123'],
    ]);
    const response = await preview(trust.token, file);
    expect(response.body.rows[0].changes).toEqual([
      { field: 'firstName', from: person.firstName, to: "=cmd|' /C calc'!A0" },
      { field: 'mobile', from: null, to: '+447700900123' },
    ]);
  });

  it('answers 400 naming each missing column, and 413 naming the limit over 10,000 rows or 5 MB', async () => {
    const missing = await preview(trust.token, csv([['id', 'firstName'], ['', 'A']]));
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('missing_columns');
    expect(missing.body.errors.map((e: any) => e.path).sort()).toEqual(['email', 'lastName']);

    const rows = Array.from({ length: 10_001 }, (_, i) => ['', 'A', 'B', `p${i}@x.example`]);
    const tooMany = await preview(trust.token, csv([['id', 'firstName', 'lastName', 'email'], ...rows]));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.title).toContain('10000 rows');

    const big = `firstName,lastName,email\n${'x'.repeat(5 * 1024 * 1024)}\n`;
    const tooBig = await preview(trust.token, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.title).toContain('5242880 bytes');
  });

  it('plans a file of exactly 10,000 new people, answering under the 6 MB Lambda limit', async () => {
    const header = ['firstName', 'lastName', 'email', 'userType', 'schools', 'roles'];
    const rows = Array.from({ length: 10_000 }, (_, i) => [`First${i}`, `Last${i}`, uniqueEmail(`bulk${i}`), 'staff', 'North School', 'Teacher@North School']);
    const response = await preview(trust.token, csv([header, ...rows]));
    expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(200);
    expect(response.body.summary).toEqual({ create: 10_000, update: 0, unchanged: 0, error: 0 });
    expect(response.body.rows.map((r: any) => r.line)).toEqual(rows.map((_, i) => i + 2));
    expect(Buffer.byteLength(JSON.stringify(response.body))).toBeLessThan(5_000_001);
    // These answers carry the new rows without their changes (the stored plan keeps them).
    expect(response.body.changesOmitted).toBe('create');
  }, 120_000);

  it('re-uploading a file written exactly as the export writes it is all unchanged', async () => {
    const people = [
      await createUser(admin2fa, { ...teacherAt('North School'), memberships: [{ nodeId: node('North School'), jobTitle: '=Head of Year', primary: true }, { nodeId: node('Sub School') }] }),
      await createUser(admin2fa, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('South School'), validUntil: '2031-09-01T00:00:00.000Z' }] }),
      await createUser(trust.token, { firstName: '+Plus', lastName: '@At', userType: 'parent' }),
    ];
    await call('PATCH', `/users/${people[2].id}`, { token: trust.token, body: { mobile: '+447700900999' }, headers: { 'if-match': '"1"' } });
    const current = await Promise.all(people.map((p) => get(p.id)));
    const file = csv([[...USER_CSV_COLUMNS], ...current.map(exportRow)], { bom: true, crlf: true });
    const response = await preview(trust.token, file);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.rows.map((r: any) => [r.action, r.changes, r.errors])).toEqual(current.map(() => ['unchanged', [], []]));
  });
});

describe('apply', () => {
  it('applies the plan in the background, with progress, and changes people exactly as previewed', async () => {
    const teacher = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const mis = await get((await createUser(trust.token, teacherAt('North School'))).id);
    await patchProfile(trust, mis.id, { source: 'mis' });
    const email = uniqueEmail('created');
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'mobile', 'userType', 'primarySchool', 'jobTitle', 'schools', 'roles'],
      ['', "'=cmd", 'Created', email, '447700900123', 'staff', 'North School', 'TA', 'North School; Sub School', 'Teaching Assistant@North School until 2030-07-31'],
      [teacher.id, teacher.firstName, teacher.lastName, teacher.email, '', 'staff', 'South School', '', 'North School; South School', 'Teacher@South School'],
      [mis.id, 'Hand', 'Edited', mis.email, '', '', '', '', '', ''],
      ['', 'No', 'Type', uniqueEmail(), '', '', '', '', '', ''],
    ]);
    const plan = await preview(trust.token, file);
    expect(plan.body.summary).toEqual({ create: 1, update: 2, unchanged: 0, error: 1 });
    const started = await apply(trust.token, plan.body.planId);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const progress = await waitForImport(trust.token, started.body.importId);
    expect(progress).toMatchObject({ status: 'done', total: 4, done: 4, created: 1, updated: 2, unchanged: 0, failed: 1 });
    const createdId = plan.body.rows[0].userId;
    expect(progress.rows).toEqual([
      { line: 2, ok: true, userId: createdId },
      { line: 3, ok: true, userId: teacher.id },
      { line: 4, ok: true, userId: mis.id },
      { line: 5, ok: false, error: 'required' },
    ]);

    const created = await get(createdId);
    expect(created).toMatchObject({ firstName: '=cmd', lastName: 'Created', email, mobile: '+447700900123', status: 'invited', userType: 'staff' });
    expect(created.memberships).toEqual(expect.arrayContaining([
      { nodeId: node('North School'), jobTitle: 'TA', primary: true, isManager: false },
      { nodeId: node('Sub School'), primary: false, isManager: false },
    ]));
    expect(created.roles).toEqual([expect.objectContaining({ roleId: presetIds.teachingAssistant, nodeId: node('North School'), validUntil: '2030-08-01T00:00:00.000Z' })]);

    const moved = await get(teacher.id);
    expect(moved.memberships.map((m: any) => [m.nodeId, m.primary]).sort()).toEqual([[node('North School'), false], [node('South School'), true]].sort());
    expect(moved.roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, nodeId: node('South School') })]);
    expect(moved.version).toBe(teacher.version + 1);

    const edited = await get(mis.id);
    expect(edited).toMatchObject({ firstName: 'Hand', lastName: 'Edited', source: 'mis', edited: true });

    // Applied once, and only by its importer.
    const again = await apply(trust.token, plan.body.planId);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('plan_applied');
  });

  it('applies a plan of several chunks (one queue message each, chained) to the end', async () => {
    const last = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const refused = Array.from({ length: 250 }, (_, i) => ['', `R${i}`, 'Refused', uniqueEmail('refused'), 'staff', 'Nowhere']);
    const file = csv([['id', 'firstName', 'lastName', 'email', 'userType', 'schools'], ...refused, [last.id, last.firstName, 'Last', last.email, 'staff', '']]);
    const plan = await preview(trust.token, file);
    expect(plan.body.summary).toEqual({ create: 0, update: 1, unchanged: 0, error: 250 });
    const started = await apply(trust.token, plan.body.planId);
    const progress = await waitForImport(trust.token, started.body.importId);
    expect(progress).toMatchObject({ status: 'done', total: 251, done: 251, updated: 1, failed: 250 });
    expect(progress.rows.map((r: any) => r.line)).toEqual(Array.from({ length: 251 }, (_, i) => i + 2));
    expect(progress.rows.at(-1)).toEqual({ line: 252, ok: true, userId: last.id });
    expect((await get(last.id)).lastName).toBe('Last');
  }, 120_000);

  it('moves an email the way PATCH does: audited with both addresses, the old address told', async () => {
    const person = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const moved = uniqueEmail('moved');
    const plan = await preview(trust.token, csv([['id', 'firstName', 'lastName', 'email'], [person.id, person.firstName, person.lastName, moved]]));
    expect(plan.body.rows[0].changes).toEqual([{ field: 'email', from: person.email, to: moved }]);
    const started = await apply(trust.token, plan.body.planId);
    expect((await waitForImport(trust.token, started.body.importId)).updated).toBe(1);
    expect((await get(person.id)).email).toBe(moved);
    expect((await auditOf(trust, person.id)).find((r) => r.action === 'user.updated')).toMatchObject({ before: { email: person.email }, after: { email: moved } });
    expect((await mailTo(person.email)).some((mail) => /email/i.test(mail.subject))).toBe(true);
    // The address is the person's now: another row cannot take it.
    const other = await preview(trust.token, csv([['firstName', 'lastName', 'email', 'userType'], ['A', 'B', moved.toUpperCase(), 'staff']]));
    expect(other.body.rows[0]).toMatchObject({ action: 'update', userId: person.id });
  });

  it('answers 410 for a plan past its hour, and 404 for a plan that is not there', async () => {
    const person = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const plan = await preview(trust.token, csv([['id', 'firstName', 'lastName', 'email'], [person.id, 'Late', person.lastName, person.email]]));
    // Staged: an hour passing (DynamoDB's TTL removes the items later, so the API checks the time itself).
    await documentClient().send(new UpdateCommand({
      TableName: tableName(), Key: keys.importPlan(trust.trustId, plan.body.planId),
      UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }));
    const late = await apply(trust.token, plan.body.planId);
    expect(late.status).toBe(410);
    expect(late.body.code).toBe('plan_expired');
    expect((await get(person.id)).firstName).toBe(person.firstName);
    expect((await apply(trust.token, 'f0f0f0f0-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('leaves a row whose person changed after the preview (plan_stale) and applies the others', async () => {
    const a = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const b = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const file = csv([
      ['id', 'firstName', 'lastName', 'email'],
      [a.id, a.firstName, 'FromFile', a.email],
      [b.id, b.firstName, 'FromFile', b.email],
    ]);
    const plan = await preview(trust.token, file);
    const patched = await call('PATCH', `/users/${a.id}`, { token: trust.token, body: { firstName: 'Meanwhile' }, headers: { 'if-match': `"${a.version}"` } });
    expect(patched.status).toBe(200);
    const started = await apply(trust.token, plan.body.planId);
    const progress = await waitForImport(trust.token, started.body.importId);
    expect(progress).toMatchObject({ status: 'done', updated: 1, failed: 1 });
    expect(progress.rows).toEqual([{ line: 2, ok: false, userId: a.id, error: 'plan_stale' }, { line: 3, ok: true, userId: b.id }]);
    expect(await get(a.id)).toMatchObject({ firstName: 'Meanwhile', lastName: a.lastName });
    expect((await get(b.id)).lastName).toBe('FromFile');
  });

  it('is not applied by anyone but its importer, and its progress is not theirs to read', async () => {
    const other = await actor(trust, teacherAt('North School'));
    const someone = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const plan = await preview(trust.token, csv([['id', 'firstName', 'lastName', 'email'], [someone.id, 'X', 'Y', someone.email]]));
    const schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
    const stolen = await apply(schoolAdmin.token, plan.body.planId);
    expect(stolen.status).toBe(404);
    const started = await apply(trust.token, plan.body.planId);
    expect((await call('GET', `/users/imports/${started.body.importId}`, { token: other.token })).status).toBe(404);
    await waitForImport(trust.token, started.body.importId);
  });
});

describe('guards, per row', () => {
  it('refuses a School Admin giving Trust Admin, or changing the email of their Head, and applies nothing of those rows', async () => {
    const schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
    const head = await get((await createUser(admin2fa, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School') }] })).id);
    const teacher = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const other = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const rootName = nodeName(trust.rootId);
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'roles'],
      [teacher.id, teacher.firstName, teacher.lastName, teacher.email, `Teacher@North School; Trust Admin@${rootName}`],
      [head.id, head.firstName, head.lastName, uniqueEmail('takeover'), ''],
      [other.id, other.firstName, other.lastName, other.email, 'Head Teacher@North School'],
    ]);
    const response = await preview(schoolAdmin.token, file);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [escalate, takeover, headRow] = response.body.rows;
    // The same refusal, with the same code, as the single-user endpoints give.
    const single = await call('POST', `/users/${teacher.id}/roles`, { token: schoolAdmin.token, body: { roleId: presetIds.trustAdmin, nodeId: trust.rootId } });
    expect(single.status).toBe(403);
    expect(escalate).toMatchObject({ line: 2, action: 'error', errors: [{ column: 'roles', code: single.body.code, message: single.body.title }] });
    expect(takeover).toMatchObject({ line: 3, action: 'error', errors: [expect.objectContaining({ column: 'email', code: 'outranked' })] });
    const singleHead = await call('POST', `/users/${other.id}/roles`, { token: schoolAdmin.token, body: { roleId: presetIds.headTeacher, nodeId: node('North School') } });
    expect(singleHead.status).toBe(403);
    expect(headRow).toMatchObject({ line: 4, action: 'error', errors: [{ column: 'roles', code: singleHead.body.code, message: singleHead.body.title }] });
    const started = await apply(schoolAdmin.token, response.body.planId);
    const progress = await waitForImport(schoolAdmin.token, started.body.importId);
    expect(progress.rows).toEqual([
      { line: 2, ok: false, userId: teacher.id, error: single.body.code },
      { line: 3, ok: false, userId: head.id, error: 'outranked' },
      { line: 4, ok: false, userId: other.id, error: singleHead.body.code },
    ]);
    expect((await get(teacher.id)).roles).toHaveLength(1);
    expect((await get(other.id)).roles).toHaveLength(1);
    expect((await get(head.id)).email).toBe(head.email);
  });

  it('keeps the self-change rule: an admin may fix their own name but not their own roles or placements', async () => {
    const me = await get(trust.adminId);
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'roles', 'schools'],
      [me.id, me.firstName, me.lastName, me.email, '-', ''],
      [me.id, 'Renamed', me.lastName, me.email, '', 'North School'],
    ]);
    const response = await preview(trust.token, file);
    expect(response.body.rows[0]).toMatchObject({ action: 'error', errors: [expect.objectContaining({ column: 'roles', code: 'self_change' })] });
    expect(response.body.rows[1].errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ column: 'id', code: 'duplicate_row' }),
      expect.objectContaining({ column: 'schools', code: 'self_change' }),
    ]));
    const rename = await preview(trust.token, csv([['id', 'firstName', 'lastName', 'email'], [me.id, 'Renamed', me.lastName, me.email]]));
    expect(rename.body.rows[0]).toMatchObject({ action: 'update', errors: [] });
  });

  it("judges each row again with the importer's rights at apply time: a School Admin moved away meanwhile changes nobody at the old school", async () => {
    const schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
    const teacher = await get((await createUser(trust.token, teacherAt('North School'))).id);
    const plan = await preview(schoolAdmin.token, csv([['id', 'firstName', 'lastName', 'email'], [teacher.id, teacher.firstName, 'Renamed', teacher.email]]));
    expect(plan.body.rows[0]).toMatchObject({ action: 'update', userId: teacher.id });
    // The trust admin moves the School Admin to South School; the teacher is not touched (same version).
    const admin = await get(schoolAdmin.user.id);
    const given = await call('POST', `/users/${admin.id}/roles`, { token: trust.token, body: { roleId: presetIds.schoolAdmin, nodeId: node('South School') } });
    expect(given.status).toBe(201);
    const removed = await call('DELETE', `/users/${admin.id}/roles/${admin.roles[0].id}`, { token: trust.token });
    expect(removed.status).toBe(204);
    const started = await apply(schoolAdmin.token, plan.body.planId);
    expect(started.status).toBe(202);
    const progress = await waitForImport(schoolAdmin.token, started.body.importId);
    expect(progress.rows).toEqual([{ line: 2, ok: false, userId: teacher.id, error: 'not_found' }]);
    expect(await get(teacher.id)).toMatchObject({ lastName: teacher.lastName, version: teacher.version });
  });

  it('takes Trust Admin away from another admin while the importer stays one (the last-admin witness joins the row)', async () => {
    const other = await get((await createUser(admin2fa, { roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId }, { roleId: presetIds.headOffice, nodeId: trust.rootId }] })).id);
    const plan = await preview(admin2fa, csv([['id', 'firstName', 'lastName', 'email', 'roles'], [other.id, other.firstName, other.lastName, other.email, '-']]));
    expect(plan.body.rows[0]).toMatchObject({ action: 'update', errors: [] });
    const started = await apply(admin2fa, plan.body.planId);
    const progress = await waitForImport(admin2fa, started.body.importId);
    expect(progress.rows).toEqual([{ line: 2, ok: true, userId: other.id }]);
    expect((await get(other.id)).roles).toEqual([]);
  });

  it('tells a cluster admin nothing about a person outside their cluster, by id or by email', async () => {
    const clusterAdmin = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const south = await get((await createUser(trust.token, teacherAt('South School'))).id);
    const elsewhere = await makeTrust();
    const foreign = await createUser(elsewhere.token, {});
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'userType'],
      [south.id, 'Changed', 'Name', south.email, 'staff'],
      ['f0f0f0f0-0000-4000-8000-000000000000', 'Changed', 'Name', uniqueEmail(), 'staff'],
      ['', 'Changed', 'Name', south.email, 'staff'],
      ['', 'Changed', 'Name', foreign.email, 'staff'],
      ['', 'Changed', 'Name', uniqueEmail('free'), 'staff'],
    ]);
    const response = await preview(clusterAdmin.token, file);
    const [byId, unknownId, byEmail, otherTrust, free] = response.body.rows;
    // Outside reach reads exactly like an id nobody has.
    expect(byId).toEqual({ ...unknownId, line: 2 });
    expect(byId).toEqual({ line: 2, action: 'error', changes: [], errors: [{ column: 'id', code: 'not_found', message: 'No person with this id in your reach' }] });
    // An email that has an account the caller may not edit reads like a free one, wherever that account is: the row is
    // judged as a new person (here: no users.create at the trust, where a person placed nowhere goes).
    expect(byEmail).toEqual({ ...free, line: 4, changes: byEmail.changes });
    expect(otherTrust).toEqual({ ...free, line: 5, changes: otherTrust.changes });
    expect(free).toMatchObject({ action: 'error', errors: [{ column: 'schools', code: 'forbidden' }] });
    expect(JSON.stringify(response.body)).not.toContain(south.id);
  });
});
