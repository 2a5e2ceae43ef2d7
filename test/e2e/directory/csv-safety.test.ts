import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, stack } from '../../fixtures/api';
import { patchProfile, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { onerosterBundle } from '../../fixtures/oneroster';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';
import { waitForRun } from '../mis/authority-cases';

/**
 * Security review B over HTTP: F1 (a line break in a name started a new
 * spreadsheet row with an unguarded formula in the users export), F3 (one
 * import row over 400 KB was a 500), F6 (the preview echoed whole cells, so
 * a 487 KB file answered 9.7 MB) and a node named `-` (the export wrote it
 * back as "remove all schools").
 */

let trust: TestTrust;
let admin2fa: string;
const node = (name: string) => trust.nodes[name]!.id;
const PAYLOAD = "=cmd|' /C calc'!A0";

const exportText = async (query: string) => {
  const response = await fetch(`${stack().url}/users/export.csv?${query}`, { headers: { authorization: `Bearer ${trust.token}` } });
  expect(response.status).toBe(200);
  return response.text();
};
/** Records as a spreadsheet reads them: a line break outside quotes ends a record, whichever it is. */
const spreadsheetRecords = (text: string) =>
  parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
const preview = (body: string) => call('POST', '/users/import?dryRun=true', { token: trust.token, rawBody: body, headers: { 'content-type': 'text/csv' } });

beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
}, 60_000);

describe('F1: the users export quotes every line break (names stored before the rule below)', () => {
  it('writes a lone LF and a lone CR inside quotes, so no spreadsheet row starts with the formula', async () => {
    const school = node('Sub School');
    const lf = await createUser(trust.token, { firstName: 'Nia', lastName: 'Planted', memberships: [{ nodeId: school }] });
    const cr = await createUser(trust.token, { firstName: 'Cy', lastName: 'Planted', memberships: [{ nodeId: school, jobTitle: 'Head' }] });
    // A name from before control characters were refused: written straight to the table (the API refuses it now).
    const at = new Date().toISOString();
    await patchProfile(trust, lf.id, { firstName: `Nia\n${PAYLOAD}`, gsi3sk: at, updatedAt: at });
    await patchProfile(trust, cr.id, { lastName: `Planted\r${PAYLOAD}`, gsi3sk: at, updatedAt: at });

    const text = await exportText(`nodeId=${school}`);
    expect(text).toContain(`"Nia\n${PAYLOAD}"`);
    expect(text).toContain(`"Planted\r${PAYLOAD}"`);
    const records = spreadsheetRecords(text);
    expect(records.filter((r) => r.some((cell) => cell.startsWith('='))), 'a cell a spreadsheet would run').toEqual([]);
    expect(records).toHaveLength(3); // the header and the two people, nobody injected
    expect(records.map((r) => r[0]).slice(1).sort()).toEqual([lf.id, cr.id].sort());
  });
});

describe('F1: control characters are refused in names at every write path', () => {
  const bad = { lf: `Nia\n${PAYLOAD}`, cr: `Nia\r${PAYLOAD}`, tab: 'Tab\there', nul: 'Nul\u0000', del: 'Del\u007f' };

  it('POST /users and PATCH /users/{id}: 400 naming firstName, lastName', async () => {
    for (const value of Object.values(bad)) {
      const created = await call('POST', '/users', {
        token: trust.token,
        body: { firstName: value, lastName: 'Person', email: uniqueEmail('cc'), userType: 'staff', memberships: [{ nodeId: node('North School') }] },
      });
      expect(created.status, JSON.stringify(value)).toBe(400);
      expect(created.body.errors).toEqual([expect.objectContaining({ path: 'firstName', message: expect.stringMatching(/control characters/) })]);
    }
    const person = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const patched = await call('PATCH', `/users/${person.id}`, { token: trust.token, body: { lastName: bad.cr }, headers: { 'if-match': `"${person.version}"` } });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([expect.objectContaining({ path: 'lastName' })]);
  });

  it('job titles: POST /users, PUT membership, bulk addMembership', async () => {
    const created = await call('POST', '/users', {
      token: trust.token,
      body: { firstName: 'Jo', lastName: 'Title', email: uniqueEmail('jt'), userType: 'staff', memberships: [{ nodeId: node('North School'), jobTitle: bad.lf }] },
    });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ path: 'memberships.0.jobTitle' })]);
    const person = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const put = await call('PUT', `/users/${person.id}/memberships/${node('North School')}`, { token: trust.token, body: { jobTitle: bad.tab } });
    expect(put.status).toBe(400);
    expect(put.body.errors).toEqual([expect.objectContaining({ path: 'jobTitle' })]);
    const bulk = await call('POST', '/users/bulk', { token: trust.token, body: { userIds: [person.id], actions: [{ op: 'addMembership', nodeId: node('Sub School'), jobTitle: bad.lf }] } });
    expect(bulk.status).toBe(400);
    expect(bulk.body.errors).toEqual([expect.objectContaining({ path: 'actions.0.jobTitle' })]);
  });

  it('node names (POST, PATCH) and role names (POST, PATCH), and a node named "-"', async () => {
    const nodeCreate = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: `Evil\n${PAYLOAD}`, parentId: node('North') } });
    expect(nodeCreate.status).toBe(400);
    expect(nodeCreate.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    const dash = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: ' - ', parentId: node('North') } });
    expect(dash.status).toBe(400);
    expect(dash.body.errors).toEqual([expect.objectContaining({ path: 'name', message: expect.stringMatching(/remove all/) })]);
    const school = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Plain School', parentId: node('North') } });
    expect(school.status).toBe(201);
    for (const name of [bad.cr, '-']) {
      const renamed = await call('PATCH', `/nodes/${school.body.id}`, { token: trust.token, body: { name }, headers: { 'if-match': `"${school.body.version}"` } });
      expect(renamed.status, name).toBe(400);
      expect(renamed.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    }
    const role = await call('POST', '/roles', { token: admin2fa, body: { name: `Role\n${PAYLOAD}`, permissions: ['users.view'] } });
    expect(role.status).toBe(400);
    expect(role.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    const plain = await call('POST', '/roles', { token: admin2fa, body: { name: 'Plain Role', permissions: ['users.view'] } });
    expect(plain.status).toBe(201);
    const renamed = await call('PATCH', `/roles/${plain.body.id}`, { token: admin2fa, body: { name: bad.del }, headers: { 'if-match': String(plain.body.version) } });
    expect(renamed.status).toBe(400);
    expect(renamed.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
  });

  it('the CSV import: a row error naming the column, for a new person and an update', async () => {
    const person = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const file = [
      'id,firstName,lastName,email,userType,schools,jobTitle',
      `,"Nia\n${PAYLOAD}",New,${uniqueEmail('csv')},staff,North School,`,
      `${person.id},Pat,"Per\rson",${person.email},staff,North School,"Head\tTeacher"`,
    ].join('\n');
    const response = await preview(file);
    expect(response.status).toBe(200);
    const [created, updated] = response.body.rows;
    expect(created).toMatchObject({ line: 2, action: 'error', errors: [{ column: 'firstName', code: 'control_characters', message: expect.stringMatching(/control characters/) }] });
    expect(updated).toMatchObject({ line: 4, action: 'error' });
    expect(updated.errors.map((e: any) => [e.column, e.code])).toEqual([['lastName', 'control_characters'], ['jobTitle', 'control_characters']]);
    expect(JSON.stringify(response.body)).not.toContain('calc');
  });

  it('the MIS roster: an error row naming the field; nobody is made with that name, and a known person keeps their name', async () => {
    const north = node('North');
    const saver = (await actor(trust, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] })).token;
    const school = node('North School');
    const saved = await call('PUT', `/nodes/${school}/mis`, { token: saver, headers: { 'if-match': '0' }, body: { enabled: true, orgSourcedId: 'org-cc', roleMap: { teacher: presetIds.teacher } } });
    expect(saved.status).toBe(200);
    const ok = { sourcedId: 'cc-1', givenName: 'Ada', familyName: 'Known', email: uniqueEmail('mis'), role: 'teacher' };
    const sync = async (people: any[]) => {
      const zip = onerosterBundle({ org: { sourcedId: 'org-cc', name: 'A School' }, people });
      expect((await call('PUT', `/nodes/${school}/mis/roster`, { token: saver, rawBody: zip, headers: { 'content-type': 'application/zip' } })).status).toBe(202);
      const started = await call('POST', `/nodes/${school}/mis/runs`, { token: saver, body: {} });
      expect(started.status).toBe(202);
      return waitForRun(started.body.runId, saver);
    };
    const first = await sync([ok, { sourcedId: 'cc-2', givenName: `Nia\n${PAYLOAD}`, familyName: 'New', email: uniqueEmail('mis'), role: 'teacher' }]);
    expect(first).toMatchObject({ status: 'done', created: 1 });
    expect(first.errors).toEqual([expect.objectContaining({ sourcedId: 'cc-2', code: 'invalid_value', message: expect.stringMatching(/^givenName must not contain control characters/) })]);
    const second = await sync([{ ...ok, familyName: `Known\r${PAYLOAD}` }]);
    expect(second.errors).toEqual([expect.objectContaining({ sourcedId: 'cc-1', code: 'invalid_value', message: expect.stringMatching(/^familyName must not contain control characters/) })]);
    const people = await call('GET', `/users?nodeId=${school}&q=Ada`, { token: trust.token });
    expect(people.body.items.map((p: any) => p.lastName)).toEqual(['Known']);
  }, 60_000);
});

describe('F3 and F6: import cells and answers stay bounded', () => {
  it('a 450 KB cell is a row error too_long, not a 500, and its text is not echoed', async () => {
    const file = `firstName,lastName,email,userType\n${'a'.repeat(450_000)},Big,${uniqueEmail('big')},staff\nOk,Row,${uniqueEmail('ok')},staff\n`;
    const response = await preview(file);
    expect(response.status).toBe(200);
    expect(response.body.rows[0]).toMatchObject({ line: 2, action: 'error', errors: [{ column: 'firstName', code: 'too_long', message: 'The cell has 450000 characters; firstName holds at most 80' }] });
    expect(response.body.rows[1]).toMatchObject({ line: 3, action: 'create' });
    expect(JSON.stringify(response.body).length).toBeLessThan(5_000);
  });

  it('every column has its limit: an 81-character name, a 4,001-character schools cell', async () => {
    const file = `firstName,lastName,email,userType,schools\n${'b'.repeat(81)},Long,${uniqueEmail('l')},staff,"${'North School; '.repeat(300)}"\n`;
    const response = await preview(file);
    expect(response.status).toBe(200);
    expect(response.body.rows[0].errors.map((e: any) => [e.column, e.code])).toEqual([['firstName', 'too_long'], ['schools', 'too_long']]);
  });

  it('200 rows naming 601 unknown schools each (the review\'s 9.7 MB answer): at most 10 errors a row, cells quoted short, the rest counted', async () => {
    const names = ['x'.repeat(100), ...Array.from({ length: 600 }, (_, i) => `s${i.toString(36)}`)].join(';');
    const rows = Array.from({ length: 200 }, (_, i) => `P${i},Row,${uniqueEmail('sz')},staff,"${names}"`);
    const file = `firstName,lastName,email,userType,schools\n${rows.join('\n')}\n`;
    const response = await preview(file);
    expect(response.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(response.body))).toBeLessThan(500_000);
    for (const row of response.body.rows) {
      expect(row.errors).toHaveLength(10);
      expect(row.errorsOmitted).toBe(601 - 10);
      expect(row.errors[0]).toEqual({ column: 'schools', code: 'unknown_node', message: `No node is called "${'x'.repeat(40)}…"` });
    }
    expect(response.body.errorsOmitted).toBe(200 * (601 - 10));
  }, 60_000);

  it('past 5,000 errors in all, the answer lists 5,000 and counts the rest', async () => {
    // Each row: an unknown school and an unknown role (two errors), 3,000 rows.
    const rows = Array.from({ length: 3_000 }, (_, i) => `P${i},Row,${uniqueEmail('many')},staff,Nowhere School,Nobody@Nowhere`);
    const response = await preview(`firstName,lastName,email,userType,schools,roles\n${rows.join('\n')}\n`);
    expect(response.status).toBe(200);
    const listed = response.body.rows.reduce((n: number, r: any) => n + r.errors.length, 0);
    const perRow = response.body.rows[0].errors.length;
    expect(perRow).toBeGreaterThanOrEqual(2);
    expect(listed).toBe(5_000);
    expect(response.body.errorsOmitted).toBe(3_000 * perRow - 5_000);
    expect(response.body.rows.at(-1)).toMatchObject({ action: 'error', errors: [], errorsOmitted: perRow });
  }, 120_000);
});
