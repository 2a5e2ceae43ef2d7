import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { call } from '../fixtures/api';
import { actor } from '../fixtures/people';
import { makeMember, makeTrust, type TestTrust } from '../fixtures/trust';

let trust: TestTrust;

beforeAll(async () => {
  trust = await makeTrust([{ kind: 'cluster', name: 'Hub' }]);
});

describe('GET /audit', () => {
  it('records each tree change with who, what, target, node, before and after', async () => {
    const created = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Audited', parentId: trust.nodes.Hub!.id } })).body;
    await call('PATCH', `/nodes/${created.id}`, { token: trust.token, body: { name: 'Audited Renamed' }, headers: { 'if-match': '1' } });
    await call('DELETE', `/nodes/${created.id}`, { token: trust.token });
    const response = await call('GET', `/audit?targetId=${created.id}`, { token: trust.token });
    expect(response.status).toBe(200);
    const items = response.body.items as any[];
    expect(items.map((r) => r.action)).toEqual(['node.deleted', 'node.updated', 'node.created']);
    expect(items.every((r) => r.actorId === trust.adminId && r.targetType === 'node')).toBe(true);
    expect(items[1]).toMatchObject({ before: { name: 'Audited' }, after: { name: 'Audited Renamed' } });
    expect(items[0]).toMatchObject({ before: { name: 'Audited Renamed' }, after: null });
    expect(items[2]).toMatchObject({ before: null, after: { name: 'Audited' } });
  });

  it('does not record a change that was refused', async () => {
    await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Hub', parentId: trust.rootId } }); // ok
    const before = (await call('GET', '/audit?limit=200', { token: trust.token })).body.items.length;
    const refused = await call('DELETE', `/nodes/${trust.rootId}`, { token: trust.token });
    expect(refused.status).toBe(409);
    expect((await call('GET', '/audit?limit=200', { token: trust.token })).body.items.length).toBe(before);
  });

  it('pages with limit and an opaque cursor, newest first, without repeats', async () => {
    for (const name of ['P1', 'P2', 'P3']) {
      await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name, parentId: trust.rootId } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call('GET', `/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: trust.token });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r: any) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = (await call('GET', '/audit?limit=200', { token: trust.token })).body.items.map((r: any) => r.id);
    expect(seen).toEqual(all);
  });

  it('filters by time range and actor', async () => {
    const from = new Date().toISOString();
    await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Late', parentId: trust.rootId } });
    const recent = (await call('GET', `/audit?from=${from}`, { token: trust.token })).body.items;
    expect(recent.map((r: any) => r.after?.name)).toEqual(['Late']);
    const none = (await call('GET', `/audit?actorId=someone-else`, { token: trust.token })).body.items;
    expect(none).toEqual([]);
  });

  it('shows only the caller\'s trust', async () => {
    const other = await makeTrust([]);
    const items = (await call('GET', '/audit?limit=200', { token: other.token })).body.items as any[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((r) => r.actorId === other.adminId)).toBe(true);
  });

  it('answers 400 naming the field for a bad cursor, a bad date and a limit over 200', async () => {
    const bad = await call('GET', '/audit?cursor=not-a-cursor&from=yesterday&limit=500', { token: trust.token });
    expect(bad.status).toBe(400);
    const paths = bad.body.errors.map((e: any) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['query.from', 'query.limit']));
    const cursor = await call('GET', '/audit?cursor=not-a-cursor', { token: trust.token });
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors[0].path).toBe('query.cursor');
  });

  it('refuses a member who is not the trust admin with 403', async () => {
    const member = await makeMember(trust);
    expect((await call('GET', '/audit', { token: member.token })).status).toBe(403);
  });
});

describe('GET /audit and block reasons', () => {
  let school: TestTrust;
  const node = (name: string) => school.nodes[name]!.id;

  beforeAll(async () => {
    school = await makeTrust();
  });

  it('hides a block\'s reason from a reader with audit.view but not safeguarding.blocks.manage at that school, and shows it to one with both', async () => {
    const north = node('North School');
    const blockManager = (await call('POST', '/roles', { token: school.token, body: { name: 'Block Manager', scope: 'school', permissions: ['audit.view', 'safeguarding.blocks.manage'] } })).body;
    const [schoolAdmin, manager, staff] = await Promise.all([
      actor(school, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north }] }),
      actor(school, { memberships: [{ nodeId: north }], roles: [{ roleId: blockManager.id, nodeId: north }] }),
      actor(school, { memberships: [{ nodeId: north }] }),
    ]);
    const reason = 'Related to the pupil; see the DSL file';
    const set = await call('PUT', `/users/${staff.user.id}/blocks/pupil-5`, { token: school.token, body: { schoolId: north, reason } });
    expect(set.status).toBe(200);
    expect((await call('DELETE', `/users/${staff.user.id}/blocks/pupil-5`, { token: school.token })).status).toBe(204);

    const records = async (token: string) => {
      const response = await call('GET', `/audit?targetId=${staff.user.id}&limit=200`, { token });
      expect(response.status).toBe(200);
      return (response.body.items as any[]).filter((r) => r.action.startsWith('block.'));
    };
    const seenByAdmin = await records(schoolAdmin.token);
    expect(seenByAdmin.map((r) => r.action)).toEqual(['block.removed', 'block.set']);
    expect(seenByAdmin[1].after).toEqual({ subjectId: 'pupil-5', schoolId: north });
    expect(seenByAdmin[0].before).toEqual({ subjectId: 'pupil-5', schoolId: north });
    expect(JSON.stringify(seenByAdmin)).not.toContain(reason);

    const seenByManager = await records(manager.token);
    expect(seenByManager[1].after).toEqual({ subjectId: 'pupil-5', schoolId: north, reason });
    expect(seenByManager[0].before).toEqual({ subjectId: 'pupil-5', schoolId: north, reason });
  });
});
