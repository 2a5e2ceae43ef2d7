import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { USER_CSV_COLUMNS } from '../../../domain/directory/csv-format';
import { call, stack } from '../../fixtures/api';
import { actor, createUser } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let clusterAdmin: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

const exportCsv = (token: string, query = '', redirect: 'manual' | 'follow' = 'manual') =>
  fetch(`${stack().url}/users/export.csv${query ? `?${query}` : ''}`, { headers: { authorization: `Bearer ${token}` }, redirect });

const rowsOf = (text: string) => parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  trust = await makeTrust();
  clusterAdmin = await actor(trust, { firstName: 'Cleo', lastName: 'Cluster', memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
  await Promise.all([
    createUser(trust.token, {
      firstName: '=HYPERLINK("http://evil.example")', lastName: 'Formula', memberships: [{ nodeId: node('North School'), jobTitle: '+Head, "Maths"' }, { nodeId: node('Sub School') }],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School'), validUntil: '2027-08-01T00:00:00.000Z' }, { roleId: presetIds.teachingAssistant, nodeId: node('Sub School') }],
    }),
    createUser(trust.token, { firstName: 'Sue', lastName: 'South', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
  ]);
});

describe('GET /users/export.csv', () => {
  it('answers a UTF-8 CSV with a BOM, the API.md columns in order, one formula-safe row per person', async () => {
    const response = await call('GET', `/users/export.csv?nodeId=${node('North School')}`, { token: trust.token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/);
    const raw = await (await exportCsv(trust.token, `nodeId=${node('North School')}`)).arrayBuffer();
    expect([...new Uint8Array(raw).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = response.body as string;
    expect(text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(USER_CSV_COLUMNS.join(','));
    const rows = rowsOf(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      firstName: `'=HYPERLINK("http://evil.example")`, lastName: 'Formula', userType: 'staff', status: 'invited', source: 'manual', edited: 'false',
      primarySchool: 'North School', jobTitle: `'+Head, "Maths"`, schools: 'North School; Sub School',
      roles: 'Teacher@North School until 2027-07-31; Teaching Assistant@Sub School', lastSignInAt: '', mobile: '',
    });
  });

  it('cuts a cluster admin\'s export to their cluster, whatever the filters ask', async () => {
    const own = rowsOf((await call('GET', '/users/export.csv?includeInactive=true', { token: clusterAdmin.token })).body);
    expect(own.map((r) => r.lastName).sort()).toEqual(['Cluster', 'Formula']);
    const elsewhere = rowsOf((await call('GET', `/users/export.csv?nodeId=${node('South School')}`, { token: clusterAdmin.token })).body);
    expect(elsewhere).toEqual([]);
  });

  it('refuses someone without users.export, and bad filters with 400 naming the field', async () => {
    const teacher = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] });
    expect((await call('GET', '/users/export.csv', { token: teacher.token })).status).toBe(403);
    const bad = await call('GET', '/users/export.csv?sort=age', { token: trust.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path)).toContain('query.sort');
  });

  it('stores a file over the inline limit and answers 303 to a short-lived signed link that serves it', async () => {
    // The test stack's EXPORT_INLINE_MAX_BYTES is 4 KB: a few dozen people cross it.
    await Promise.all(Array.from({ length: 30 }, (_, i) => createUser(trust.token, { firstName: `Bulk${i}`, lastName: 'Exportee', memberships: [{ nodeId: node('South School') }] })));
    const response = await exportCsv(trust.token);
    expect(response.status).toBe(303);
    const body = (await response.json()) as { url: string; expiresAt: string; rows: number; bytes: number };
    expect(response.headers.get('location')).toBe(body.url);
    expect(body.rows).toBeGreaterThanOrEqual(33);
    expect(body.bytes).toBeGreaterThan(4096);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    // The link needs no bearer token; it is the signature that lets it through.
    const file = await fetch(body.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await file.text();
    expect(rowsOf(text).filter((r) => r.lastName === 'Exportee')).toHaveLength(30);
    expect(Buffer.byteLength(`\uFEFF${text}`)).toBe(body.bytes);
    // An altered signature, expiry or key is refused.
    const url = new URL(body.url);
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `${url.searchParams.get('signature')!.slice(0, -2)}AA`);
    expect((await fetch(tampered)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect((await fetch(later)).status).toBe(403);
    const other = new URL(url);
    other.pathname = url.pathname.replace(/[^/]+\.csv$/, 'other.csv');
    expect((await fetch(other)).status).toBe(403);
    // A client that follows redirects simply gets the file, as documented in /openapi.json.
    const followed = await call('GET', '/users/export.csv', { token: trust.token });
    expect(followed.status).toBe(200);
    expect(rowsOf(followed.body).length).toBe(body.rows);
    // A cluster admin's large export is cut to the cluster too.
    const cut = await exportCsv(clusterAdmin.token);
    expect(cut.status).toBe(200);
    expect(rowsOf(await cut.text()).every((r) => r.lastName !== 'Exportee')).toBe(true);
  });
});
