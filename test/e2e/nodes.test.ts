import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../fixtures/api';
import { makeMember, makeTrust, type TestTrust } from '../fixtures/trust';

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust();
});

const nodesOf = async (t: TestTrust) => (await call('GET', '/nodes', { token: t.token })).body.items as any[];

describe('GET /nodes', () => {
  it('returns the whole tree of the caller\'s trust, root first, parents before children', async () => {
    const response = await call('GET', '/nodes', { token: trust.token });
    expect(response.status).toBe(200);
    const items = response.body.items as any[];
    expect(items).toHaveLength(7);
    expect(items[0]).toMatchObject({ id: trust.rootId, kind: 'trust', parentId: null });
    const position = new Map(items.map((n, i) => [n.id, i]));
    for (const node of items.slice(1)) expect(position.get(node.parentId)).toBeLessThan(position.get(node.id)!);
    expect(items.find((n) => n.name === 'Sub School')).toMatchObject({ kind: 'school', label: 'Nursery' });
  });

  it('never shows another trust\'s nodes', async () => {
    const other = await makeTrust([{ kind: 'school', name: 'Elsewhere' }]);
    const mine = new Set((await nodesOf(trust)).map((n) => n.id));
    const theirs = await nodesOf(other);
    expect(theirs).toHaveLength(2);
    expect(theirs.filter((n) => mine.has(n.id))).toEqual([]);
  });

  it("answers 401 without a token and with a forged one: API Gateway's own answer, not a problem document (review H, H-4)", async () => {
    const [header, payload] = trust.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(342)}`;
    for (const token of [undefined, forged]) {
      const refused = await call('GET', '/nodes', { token });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/json');
      expect(refused.body).toEqual({ message: 'Unauthorized' });
    }
  });
});

describe('POST /nodes', () => {
  it('creates a school under a cluster and answers 201 with the node', async () => {
    const response = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Hilltop', parentId: trust.nodes.South!.id, label: 'Academy' } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ kind: 'school', name: 'Hilltop', parentId: trust.nodes.South!.id, label: 'Academy', version: 1 });
    expect(response.headers.get('etag')).toBe('"1"');
    expect((await nodesOf(trust)).map((n) => n.id)).toContain(response.body.id);
  });

  it('creates a sub-cluster under a cluster and a school directly under the trust', async () => {
    const sub = await call('POST', '/nodes', { token: trust.token, body: { kind: 'cluster', name: 'South Sub', parentId: trust.nodes.South!.id } });
    expect(sub.status).toBe(201);
    const direct = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Central School', parentId: trust.rootId } });
    expect(direct.status).toBe(201);
  });

  it('refuses a child under a school with 400 naming parentId', async () => {
    const response = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Annex', parentId: trust.nodes['North School']!.id } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ code: 'school_cannot_have_children', errors: [{ path: 'parentId' }] });
  });

  it('refuses a second trust node, an empty name and an unknown field with 400 naming each field', async () => {
    const response = await call('POST', '/nodes', { token: trust.token, body: { kind: 'trust', name: ' ', parentId: trust.rootId, colour: 'red' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    const paths = (response.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'name']));
    expect(paths.some((p) => p.includes('colour') || p === 'body')).toBe(true);
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const response = await call('POST', '/nodes', { token: trust.token, rawBody: '{"kind":', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'malformed_json', errors: [{ path: 'body' }] });
  });

  it('answers 400 unknown_parent for a parent in another trust', async () => {
    const other = await makeTrust([{ kind: 'cluster', name: 'Theirs' }]);
    const response = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Sneaky', parentId: other.nodes.Theirs!.id } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'unknown_parent', errors: [{ path: 'parentId' }] });
    expect((await nodesOf(other)).map((n) => n.name)).not.toContain('Sneaky');
  });

  it('refuses a duplicate name under the same parent with 409 name_taken', async () => {
    const response = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'north school', parentId: trust.nodes.North!.id } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('name_taken');
  });

  it('refuses a member who is not the trust admin with 403', async () => {
    const member = await makeMember(trust);
    const response = await call('POST', '/nodes', { token: member.token, body: { kind: 'school', name: 'Rogue', parentId: trust.rootId } });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });
});

describe('PATCH /nodes/{id}', () => {
  it('renames with the current version in If-Match and bumps the version', async () => {
    const created = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Old Name', parentId: trust.rootId } })).body;
    const response = await call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { name: 'New Name' }, headers: { 'if-match': '"1"' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'New Name', version: 2 });
  });

  it('answers 412 version_conflict for a stale If-Match and 428 without one', async () => {
    const created = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Versioned', parentId: trust.rootId } })).body;
    await call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { label: 'Academy' }, headers: { 'if-match': '1' } });
    const stale = await call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { name: 'Lost update' }, headers: { 'if-match': '1' } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('version_conflict');
    const missing = await call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { name: 'No precondition' } });
    expect(missing.status).toBe(428);
    const nodes = await nodesOf(trust);
    expect(nodes.find((n) => n.id === created.id)).toMatchObject({ name: 'Versioned', label: 'Academy', version: 2 });
  });

  it('of two concurrent edits of one version, lets exactly one through', async () => {
    const created = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Contested', parentId: trust.rootId } })).body;
    const results = await Promise.all(
      ['First', 'Second'].map((name) => call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { name }, headers: { 'if-match': '1' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
  });

  it('moves a cluster and its whole subtree under another cluster', async () => {
    const t = await makeTrust();
    const move = await call('PATCH', `/nodes/${t.nodes['North Sub']!.id}`, { token: t.token, body: { parentId: t.nodes.South!.id }, headers: { 'if-match': '1' } });
    expect(move.status).toBe(200);
    const nodes = await nodesOf(t);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get(t.nodes['North Sub']!.id).parentId).toBe(t.nodes.South!.id);
    // The school under the moved cluster moved with it.
    const school = byId.get(t.nodes['Sub School']!.id);
    expect(school.parentId).toBe(t.nodes['North Sub']!.id);
    expect(byId.get(byId.get(school.parentId).parentId).name).toBe('South');
  });

  it('refuses to move a node under its own descendant with 409 cycle', async () => {
    const t = await makeTrust();
    const response = await call('PATCH', `/nodes/${t.nodes.North!.id}`, { token: t.token, body: { parentId: t.nodes['North Sub']!.id }, headers: { 'if-match': '1' } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('cycle');
    const self = await call('PATCH', `/nodes/${t.nodes.North!.id}`, { token: t.token, body: { parentId: t.nodes.North!.id }, headers: { 'if-match': '1' } });
    expect(self.status).toBe(409);
  });

  it('never lets two concurrent crossing moves build a cycle', async () => {
    const t = await makeTrust([{ kind: 'cluster', name: 'A' }, { kind: 'cluster', name: 'B' }]);
    const [a, b] = [t.nodes.A!, t.nodes.B!];
    const results = await Promise.all([
      call('PATCH', `/nodes/${a.id}`, { token: t.token, body: { parentId: b.id }, headers: { 'if-match': '1' } }),
      call('PATCH', `/nodes/${b.id}`, { token: t.token, body: { parentId: a.id }, headers: { 'if-match': '1' } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const nodes = await nodesOf(t);
    expect(nodes).toHaveLength(3); // both still reachable from the root
  });

  it('refuses to move a node under a school (400) or to move the trust (400)', async () => {
    const t = await makeTrust();
    const underSchool = await call('PATCH', `/nodes/${t.nodes.South!.id}`, { token: t.token, body: { parentId: t.nodes['North School']!.id }, headers: { 'if-match': '1' } });
    expect(underSchool.status).toBe(400);
    expect(underSchool.body.errors[0].path).toBe('parentId');
    const root = await call('PATCH', `/nodes/${t.rootId}`, { token: t.token, body: { parentId: t.nodes.South!.id }, headers: { 'if-match': '1' } });
    expect(root.status).toBe(400);
  });

  it('answers 404 for a node of another trust', async () => {
    const other = await makeTrust([{ kind: 'cluster', name: 'Theirs' }]);
    const response = await call('PATCH', `/nodes/${other.nodes.Theirs!.id}`, { token: trust.token, body: { name: 'Mine now' }, headers: { 'if-match': '1' } });
    expect(response.status).toBe(404);
    expect((await nodesOf(other)).find((n) => n.id === other.nodes.Theirs!.id).name).toBe('Theirs');
  });

  it('answers 400 for an empty patch', async () => {
    const response = await call('PATCH', `/nodes/${trust.nodes.South!.id}`, { token: trust.token, body: {}, headers: { 'if-match': '1' } });
    expect(response.status).toBe(400);
  });
});

describe('DELETE /nodes/{id}', () => {
  it('deletes an empty school with 204', async () => {
    const t = await makeTrust();
    const response = await call('DELETE', `/nodes/${t.nodes['South School']!.id}`, { token: t.token });
    expect(response.status).toBe(204);
    expect((await nodesOf(t)).map((n) => n.name)).not.toContain('South School');
  });

  it('refuses a node with children with 409 not_empty', async () => {
    const t = await makeTrust();
    const response = await call('DELETE', `/nodes/${t.nodes.North!.id}`, { token: t.token });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('not_empty');
  });

  it('refuses the trust root with 409 and an unknown node with 404', async () => {
    expect((await call('DELETE', `/nodes/${trust.rootId}`, { token: trust.token })).status).toBe(409);
    expect((await call('DELETE', '/nodes/no-such-node', { token: trust.token })).status).toBe(404);
  });

  it('refuses a member who is not the trust admin with 403', async () => {
    const member = await makeMember(trust);
    expect((await call('DELETE', `/nodes/${trust.nodes['South School']!.id}`, { token: member.token })).status).toBe(403);
  });
});
