import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { REPORT_COLUMNS, REPORT_NAMES } from '../../../domain/reports/catalogue';
import { call, stack } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser } from '../../fixtures/people';
import { reportReaderRole } from '../../fixtures/report-reader';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
/** The trust admin's session that passed 2FA (granting Head Teacher needs it). */
let admin: string;
/** Reads reports in the North cluster only (reports.view, users.view, users.export there: reportReaderRole). */
let reader: { user: any; token: string };
let southTeacher: any;
let northFormula: any;
const node = (name: string) => trust.nodes[name]!.id;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A report's JSON, following the 303 to the stored file when the answer is over the inline limit. */
async function report(token: string, name: string, query = ''): Promise<{ columns: string[]; rows: unknown[][]; generatedAt: string }> {
  // call() follows a 303 to the stored file, so a large report arrives here as its JSON all the same.
  const response = await call('GET', `/reports/${name}${query ? `?${query}` : ''}`, { token });
  if (response.status !== 200) throw new Error(`GET /reports/${name}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const records = (result: { columns: string[]; rows: unknown[][] }) => result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));

beforeAll(async () => {
  trust = await makeTrust();
  admin = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  reader = await actor(trust, {
    firstName: 'Rita', lastName: 'Reader', memberships: [{ nodeId: node('North') }],
    roles: [{ roleId: await reportReaderRole(admin), nodeId: node('North') }],
  });
  [southTeacher, northFormula] = await Promise.all([
    createUser(admin, {
      firstName: 'Sue', lastName: 'South', memberships: [{ nodeId: node('South School'), isManager: true, jobTitle: 'Head of South' }],
      roles: [{ roleId: presetIds.headTeacher, nodeId: node('South School'), validUntil: inDays(10) }],
    }),
    createUser(admin, {
      firstName: '=HYPERLINK("http://evil.example")', lastName: 'Formula',
      memberships: [{ nodeId: node('North School'), isManager: true, jobTitle: 'Nursery Manager' }],
      roles: [{ roleId: presetIds.headTeacher, nodeId: node('North School'), validUntil: inDays(5) }, { roleId: presetIds.teacher, nodeId: node('South School') }],
    }),
  ]);
}, 60_000);

describe('GET /reports', () => {
  it('lists the catalogue to anyone signed in', async () => {
    const response = await call('GET', '/reports', { token: reader.token });
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: any) => item.name)).toEqual([...REPORT_NAMES]);
    const expiring = response.body.items.find((item: any) => item.name === 'expiring-access');
    expect(expiring.params.map((p: any) => p.name)).toEqual(['nodeId', 'format', 'withinDays']);
  });
});

describe('GET /reports/{name}', () => {
  it('answers every report to a trust admin with the catalogue columns, people of every cluster included', async () => {
    for (const name of REPORT_NAMES) {
      const result = await report(admin, name);
      expect(result.columns, name).toEqual([...REPORT_COLUMNS[name]]);
      expect(Date.parse(result.generatedAt)).not.toBeNaN();
    }
    const users = records(await report(admin, 'users'));
    expect(users.map((r) => r.lastName).sort()).toEqual(['Admin', 'Formula', 'Reader', 'South']);
    const expiring = records(await report(admin, 'expiring-access', 'withinDays=30'));
    expect(expiring.map((r) => [r.lastName, r.node])).toEqual([['Formula', 'North School'], ['South', 'South School']]);
    const managers = records(await report(admin, 'managers'));
    expect(managers.map((r) => r.school)).toEqual(['North School', 'Sub School', 'South School']);
    expect(managers.find((r) => r.school === 'North School')!.line).toBe('=HYPERLINK("http://evil.example") Formula - Nursery Manager');
    expect(managers.find((r) => r.school === 'South School')!.line).toBe('Sue South - Head of South');
    expect(managers.find((r) => r.school === 'Sub School')!.line).toBe('');
  });

  it('says in access-review who granted each role and when, from the audit trail', async () => {
    const rows = records(await report(admin, 'access-review'));
    const sue = rows.filter((r) => r.userId === southTeacher.id);
    expect(sue).toHaveLength(1);
    expect(sue[0]).toMatchObject({ role: 'Head Teacher', node: 'South School', status: 'valid', grantedById: trust.adminId, grantedBy: 'Test Admin' });
    expect(Date.parse(String(sue[0]!.grantedAt))).not.toBeNaN();
    expect(String(sue[0]!.requiresMfaPermissions)).toContain('safeguarding.');
  });

  it('never shows a cluster reader a person, node or role outside their cluster, in any report', async () => {
    for (const name of REPORT_NAMES) {
      const result = await report(reader.token, name, name === 'expiring-access' ? 'withinDays=365' : name === 'dormant-accounts' ? 'days=1' : '');
      const text = JSON.stringify(result.rows);
      expect(text, name).not.toContain(southTeacher.id);
      expect(text, name).not.toContain('South');
      expect(text, name).not.toContain(node('South School'));
      expect(text, name).not.toContain(node('South'));
      const rows = records(result);
      // Rows are about people of the cluster only (the trust admin, placed at the root, is not one), at its nodes only.
      if (result.columns.includes('userId')) for (const row of rows) expect([reader.user.id, northFormula.id], name).toContain(row.userId);
      const north = [node('North'), node('North Sub'), node('North School'), node('Sub School')];
      if (result.columns.includes('nodeId')) for (const row of rows) expect(north, name).toContain(row.nodeId);
    }
    const users = records(await report(reader.token, 'users'));
    expect(users.map((r) => r.lastName).sort()).toEqual(['Formula', 'Reader']);
    // Formula's teacher role at South School is not shown to a North reader, only the North one.
    const review = records(await report(reader.token, 'access-review'));
    expect(review.filter((r) => r.userId === northFormula.id).map((r) => r.node)).toEqual(['North School']);
    const managers = records(await report(reader.token, 'managers'));
    expect(managers.map((r) => r.school)).toEqual(['North School', 'Sub School']);
  });

  it('answers CSV with a BOM, the attachment header and formula-safe cells', async () => {
    const response = await call('GET', `/reports/users?format=csv&nodeId=${node('North School')}`, { token: admin });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/);
    const raw = new Uint8Array(await (await fetch(`${stack().url}/reports/users?format=csv&nodeId=${node('North School')}`, { headers: { authorization: `Bearer ${admin}` } })).arrayBuffer());
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse((response.body as string).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.firstName)).toEqual([`'=HYPERLINK("http://evil.example")`]);
  });

  it('refuses bad parameters with 400 naming them, an unknown report with 404, a node outside the reach with 403', async () => {
    const bad = await call('GET', '/reports/expiring-access?withinDays=0&withinDay=7', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['query.withinDay', 'query.withinDays']);
    const badFormat = await call('GET', '/reports/users?format=xlsx', { token: admin });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.errors.map((e: any) => e.path)).toContain('query.format');
    const noNode = await call('GET', '/reports/users?nodeId=nope', { token: admin });
    expect(noNode.status).toBe(400);
    expect((await call('GET', '/reports/who-knows', { token: admin })).status).toBe(404);
    expect((await call('GET', `/reports/users?nodeId=${node('South School')}`, { token: reader.token })).status).toBe(403);
    const teacher = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] });
    expect((await call('GET', '/reports/users', { token: teacher.token })).status).toBe(403);
  });

  it('stores a report over the inline limit and answers 303 to a short-lived link that serves it', async () => {
    // The test stack's EXPORT_INLINE_MAX_BYTES is 4 KB: a few dozen people cross it.
    await Promise.all(Array.from({ length: 30 }, (_, i) => createUser(admin, { firstName: `Bulk${i}`, lastName: 'Reportee', memberships: [{ nodeId: node('South School') }] })));
    const response = await fetch(`${stack().url}/reports/users?format=csv`, { headers: { authorization: `Bearer ${admin}` }, redirect: 'manual' });
    expect(response.status).toBe(303);
    const body = (await response.json()) as { url: string; rows: number; bytes: number; expiresAt: string };
    expect(response.headers.get('location')).toBe(body.url);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(body.bytes).toBeGreaterThan(4096);
    expect(body.rows).toBeGreaterThanOrEqual(34);
    const file = await fetch(body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parse((await file.text()).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.lastName === 'Reportee')).toHaveLength(30);
  });
});
