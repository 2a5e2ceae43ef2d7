import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, stack } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * The CSV round trip an IT lead makes: export, edit in a spreadsheet (which
 * saves `;`-separated with CRLF, keeps the `'` before formula-like cells and
 * drops the `+` of a mobile), import the file back: a preview, then exactly
 * the previewed change applied.
 */
let trust: TestTrust;
const node = (name: string) => trust.nodes[name]!.id;
let formula: any;
let renamed: any;
/** Holds a Teacher grant that has not begun (it starts in 2036): review H, H-9. */
let pending: any;

const exportText = async (query: string, token = trust.token) => {
  const response = await fetch(`${stack().url}/users/export.csv?${query}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.text();
};
const preview = (body: string, token = trust.token) => call('POST', '/users/import?dryRun=true', { token, rawBody: body, headers: { 'content-type': 'text/csv' } });

async function applied(planId: string, token = trust.token) {
  const started = await call('POST', '/users/import', { token, body: { planId } });
  expect(started.status).toBe(202);
  for (let i = 0; i < 300; i++) {
    const progress = await call('GET', `/users/imports/${started.body.importId}`, { token });
    if (progress.body.status === 'done' || progress.body.status === 'failed') return progress.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the import did not finish');
}

beforeAll(async () => {
  trust = await makeTrust();
  const school = node('North School');
  [formula, renamed] = await Promise.all([
    createUser(trust.token, { firstName: '=SUM(A1:A9)', lastName: 'Formula', email: `formula-${Date.now()}@test.example`, memberships: [{ nodeId: school, jobTitle: 'Teacher' }], roles: [{ roleId: presetIds.teacher, nodeId: school }] }),
    createUser(trust.token, { firstName: 'Ren', lastName: 'Before', memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teachingAssistant, nodeId: school, validUntil: '2027-08-01T00:00:00.000Z' }] }),
    createUser(trust.token, { firstName: 'Una', lastName: 'Changed', memberships: [{ nodeId: school }] }),
  ]);
  pending = await createUser(trust.token, { firstName: 'Pat', lastName: 'Pending', memberships: [{ nodeId: school }], roles: [{ roleId: presetIds.teacher, nodeId: school, validFrom: '2036-01-01T09:00:00.000Z' }] });
  await call('PATCH', `/users/${renamed.id}`, { token: trust.token, body: { mobile: '+447700900123' }, headers: { 'if-match': String(renamed.version) } });
});

describe('export → spreadsheet → import', () => {
  it('reads its own export back as all unchanged', async () => {
    const text = await exportText(`nodeId=${node('North School')}`);
    const result = await preview(text);
    expect(result.status).toBe(200);
    expect(result.body.summary).toMatchObject({ create: 0, update: 0, error: 0 });
    expect(result.body.summary.unchanged).toBe(parse(text.replace(/^\uFEFF/, ''), { columns: true }).length);
  });

  it('applies exactly the edited cell after a spreadsheet saved the file its way, and keeps a formula-like name as text', async () => {
    const text = await exportText(`nodeId=${node('North School')}`);
    const rows = parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    // The export wrote the mobile and the formula-like name with the ' that keeps a spreadsheet from running them.
    expect(rows.find((r) => r.id === renamed.id)!.mobile).toBe("'+447700900123");
    expect(rows.find((r) => r.id === formula.id)!.firstName).toBe("'=SUM(A1:A9)");
    for (const row of rows) {
      if (row.id === renamed.id) row.lastName = 'After';
      // Excel shows +447700900123 as a number and saves it without the plus.
      if (row.mobile === "'+447700900123") row.mobile = '447700900123';
    }
    const saved = `\uFEFF${stringify(rows, { header: true, delimiter: ';', record_delimiter: 'windows' })}`;
    const result = await preview(saved);
    expect(result.status).toBe(200);
    const actions = new Map((result.body.rows as any[]).map((r) => [r.userId, r]));
    expect(actions.get(renamed.id)).toMatchObject({ action: 'update', changes: [{ field: 'lastName', from: 'Before', to: 'After' }] });
    expect(result.body.summary).toMatchObject({ update: 1, error: 0, unchanged: rows.length - 1 });
    const done = await applied(result.body.planId);
    expect(done).toMatchObject({ status: 'done', updated: 1, failed: 0 });
    const after = (await call('GET', `/users/${renamed.id}`, { token: trust.token })).body;
    expect(after).toMatchObject({ lastName: 'After', mobile: '+447700900123' });
    expect((await call('GET', `/users/${formula.id}`, { token: trust.token })).body.firstName).toBe('=SUM(A1:A9)');
  });

  it('shows a grant that has not begun with its start, reads it back unchanged, and never makes it begin sooner when the start is left out (review H, H-9)', async () => {
    const text = await exportText(`nodeId=${node('North School')}`);
    const rows = parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const row = rows.find((r) => r.id === pending.id)!;
    expect(row.roles).toBe('Teacher@North School from 2036-01-01');
    const only = (roles: string) => stringify([{ ...row, roles }], { header: true });
    const actionOf = async (roles: string) => {
      const result = await preview(only(roles));
      expect(result.status).toBe(200);
      return result.body.rows[0];
    };
    expect(await actionOf(row.roles!)).toMatchObject({ action: 'unchanged' });
    // Leaving the start out keeps the stored one: an omission never widens.
    expect(await actionOf('Teacher@North School')).toMatchObject({ action: 'unchanged' });
    // A new start is a change, shown with both windows; applied, the grant starts then.
    expect(await actionOf('Teacher@North School from 2037-09-01 until 2038-07-31')).toMatchObject({
      action: 'update', changes: [{ field: 'roles', from: 'Teacher@North School from 2036-01-01', to: 'Teacher@North School from 2037-09-01 until 2038-07-31' }],
    });
    const plan = await preview(only('Teacher@North School from 2037-09-01 until 2038-07-31'));
    expect(await applied(plan.body.planId)).toMatchObject({ status: 'done', updated: 1, failed: 0 });
    const roles = (await call('GET', `/users/${pending.id}`, { token: trust.token })).body.roles;
    expect(roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, validFrom: '2037-09-01T00:00:00.000Z', validUntil: '2038-08-01T00:00:00.000Z' })]);
  });
});

/**
 * The chain review I left untested: a School Admin exports, edits a grant's
 * `from` to an earlier day and imports it back, to make a grant begin sooner.
 * The import replaces the assignment, so the row needs both the removal of the
 * old grant and the giving of the new one, each judged as the single routes
 * judge them: a grant they could not give is refused whole.
 */
describe('a School Admin bringing a grant forward through the CSV', () => {
  const school = () => node('North School');
  const rowOf = async (token: string, userId: string) => {
    const rows = parse((await exportText(`nodeId=${school()}`, token)).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    return rows.find((r) => r.id === userId)!;
  };
  const withRoles = (row: Record<string, string>, roles: string) => stringify([{ ...row, roles }], { header: true });

  it('cannot make a Head Teacher grant begin sooner (a role they cannot give): the row is an error, and applying the plan changes nothing', async () => {
    const admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
    const plain = await actor(trust, { memberships: [{ nodeId: school() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school() }] });
    // In a 2FA session, so the refusal is about the role itself, not the session.
    const sa = { ...plain, token: await signInWithTotp(plain.user.email, TEST_PASSWORD, await turnOnTotp(plain.token)) };
    const head = await createUser(admin2fa, {
      firstName: 'Hal', lastName: 'Future', memberships: [{ nodeId: school() }],
      roles: [{ roleId: presetIds.headTeacher, nodeId: school(), validFrom: '2036-01-01T09:00:00.000Z' }],
    });
    const row = await rowOf(sa.token, head.id);
    expect(row.roles).toBe('Head Teacher@North School from 2036-01-01');

    const plan = await preview(withRoles(row, 'Head Teacher@North School from 2026-01-01'), sa.token);
    expect(plan.status).toBe(200);
    expect(plan.body.summary).toMatchObject({ update: 0, error: 1 });
    expect(plan.body.rows[0]).toMatchObject({ userId: head.id, action: 'error', errors: [{ column: 'roles', code: 'escalation' }] });
    // Even applied, the plan leaves the grant as it was (the row is recorded failed, nothing written for it).
    expect(await applied(plan.body.planId, sa.token)).toMatchObject({ status: 'done', updated: 0, failed: 1 });
    const roles = (await call('GET', `/users/${head.id}`, { token: trust.token })).body.roles;
    expect(roles).toEqual([expect.objectContaining({ roleId: presetIds.headTeacher, validFrom: '2036-01-01T09:00:00.000Z' })]);
  });

  it('may make a Teacher grant begin sooner, a role they could give today anyway (control)', async () => {
    const sa = await actor(trust, { memberships: [{ nodeId: school() }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: school() }] });
    const teacher = await createUser(trust.token, {
      firstName: 'Tia', lastName: 'Later', memberships: [{ nodeId: school() }],
      roles: [{ roleId: presetIds.teacher, nodeId: school(), validFrom: '2036-01-01T09:00:00.000Z' }],
    });
    const plan = await preview(withRoles(await rowOf(sa.token, teacher.id), 'Teacher@North School from 2026-01-01'), sa.token);
    expect(plan.body.rows[0]).toMatchObject({ userId: teacher.id, action: 'update' });
    expect(await applied(plan.body.planId, sa.token)).toMatchObject({ status: 'done', updated: 1 });
    const roles = (await call('GET', `/users/${teacher.id}`, { token: trust.token })).body.roles;
    expect(roles).toEqual([expect.objectContaining({ roleId: presetIds.teacher, validFrom: '2026-01-01T00:00:00.000Z' })]);
  });
});
