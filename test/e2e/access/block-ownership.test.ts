import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * A block is keyed by pupil alone (security review): a school's block
 * managers must not take over, and then lift, a block another school set.
 */
let trust: TestTrust;
/** Teacher placed at North School and at South School, with the Teacher role at both. */
let teacher: { user: any; token: string };
/** Block keeper (custom role: users.view, safeguarding.blocks.manage; the DSL preset would need a 2FA grant) at North School only. */
let keeperRole: string;
let northDsl: { user: any; token: string };
/** Block keeper at South School only. */
let southDsl: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

const blocksPath = (subjectId: string) => `/users/${teacher.user.id}/blocks/${subjectId}`;
const listAs = async (token: string) => {
  const listed = await call('GET', `/users/${teacher.user.id}/blocks`, { token });
  expect(listed.status).toBe(200);
  return listed.body.items as { subjectId: string; schoolId: string; reason?: string }[];
};
const blockOf = async (subjectId: string) => (await listAs(trust.token)).find((b) => b.subjectId === subjectId);
const reasonAt = async (nodeId: string, subjectId: string) => {
  const response = await call('POST', '/authz/check', { token: trust.token, body: { userId: teacher.user.id, permission: 'behaviour.view', nodeId, subjectId } });
  expect(response.status).toBe(200);
  return response.body.reason as string;
};

beforeAll(async () => {
  trust = await makeTrust();
  keeperRole = (await call('POST', '/roles', { token: trust.token, body: { name: 'Block Keeper', permissions: ['users.view', 'safeguarding.blocks.manage'] } })).body.id;
  [teacher, northDsl, southDsl] = await Promise.all([
    actor(trust, {
      memberships: [{ nodeId: node('North School'), primary: true }, { nodeId: node('South School') }],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }, { roleId: presetIds.teacher, nodeId: node('South School') }],
    }),
    actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: keeperRole, nodeId: node('North School') }] }),
    actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: keeperRole, nodeId: node('South School') }] }),
  ]);
});

describe("another school's block is not taken over", () => {
  it("refuses North's block manager replacing South's block (409 blocked_elsewhere): South's block, reason and school stay, and North still cannot lift it", async () => {
    const set = await call('PUT', blocksPath('pupil-s'), { token: southDsl.token, body: { schoolId: node('South School'), reason: 'Relative of the pupil' } });
    expect(set.status).toBe(200);
    expect((await call('DELETE', blocksPath('pupil-s'), { token: northDsl.token })).status).toBe(404); // as if there were none (review I, I1)

    const takeover = await call('PUT', blocksPath('pupil-s'), { token: northDsl.token, body: { schoolId: node('North School'), reason: 'ours now' } });
    expect(takeover.status).toBe(409);
    expect(takeover.body.code).toBe('blocked_elsewhere');
    expect(JSON.stringify(takeover.body)).not.toContain('Relative of the pupil');
    const bare = await call('PUT', blocksPath('pupil-s'), { token: northDsl.token, body: { schoolId: node('North School') } });
    expect(bare.status).toBe(409);

    const south = { subjectId: 'pupil-s', schoolId: node('South School'), reason: 'Relative of the pupil' };
    expect(await listAs(southDsl.token)).toContainEqual(south);
    expect(await blockOf('pupil-s')).toEqual(south);
    expect((await listAs(northDsl.token)).map((b) => b.subjectId)).not.toContain('pupil-s');
    expect((await call('DELETE', blocksPath('pupil-s'), { token: northDsl.token })).status).toBe(404); // as if there were none (review I, I1)
    expect(await reasonAt(node('North School'), 'pupil-s')).toBe('blocked');
    expect(await reasonAt(node('South School'), 'pupil-s')).toBe('blocked');
  });

  it("lets the school that set a block update its reason, and a manager at both schools move it (the old reason stays out of the new school's record)", async () => {
    expect((await call('PUT', blocksPath('pupil-u'), { token: southDsl.token, body: { schoolId: node('South School'), reason: 'first' } })).status).toBe(200);
    const updated = await call('PUT', blocksPath('pupil-u'), { token: southDsl.token, body: { schoolId: node('South School'), reason: 'second' } });
    expect(updated.status).toBe(200);
    expect(await blockOf('pupil-u')).toEqual({ subjectId: 'pupil-u', schoolId: node('South School'), reason: 'second' });

    const moved = await call('PUT', blocksPath('pupil-u'), { token: trust.token, body: { schoolId: node('North School'), reason: 'moved' } });
    expect(moved.status).toBe(200);
    expect(await listAs(northDsl.token)).toContainEqual({ subjectId: 'pupil-u', schoolId: node('North School'), reason: 'moved' });
    expect((await listAs(southDsl.token)).map((b) => b.subjectId)).not.toContain('pupil-u');
    const audit = await call('GET', `/audit?targetId=${teacher.user.id}&limit=200`, { token: trust.token });
    expect(audit.status).toBe(200);
    const records = (audit.body.items as any[]).filter((r) => r.after?.subjectId === 'pupil-u' || r.before?.subjectId === 'pupil-u');
    const removal = records.find((r) => r.action === 'block.removed');
    expect(removal).toMatchObject({ nodeId: node('South School'), before: { schoolId: node('South School'), reason: 'second' } });
    const setAtNorth = records.find((r) => r.action === 'block.set' && r.nodeId === node('North School'));
    expect(setAtNorth.before).toEqual({ subjectId: 'pupil-u', schoolId: node('South School') });
  });

  it('a concurrent pair of PUTs from two schools leaves one block, the winner’s, and refuses the other', async () => {
    for (const subjectId of ['pupil-race-1', 'pupil-race-2', 'pupil-race-3']) {
      const [north, south] = await Promise.all([
        call('PUT', blocksPath(subjectId), { token: northDsl.token, body: { schoolId: node('North School'), reason: 'north' } }),
        call('PUT', blocksPath(subjectId), { token: southDsl.token, body: { schoolId: node('South School'), reason: 'south' } }),
      ]);
      expect([north.status, south.status].sort()).toEqual([200, 409]);
      const [winner, loser] = north.status === 200 ? [north, south] : [south, north];
      expect(loser.body.code).toBe('blocked_elsewhere');
      expect(await blockOf(subjectId)).toEqual(winner.body);
    }
  });
});

describe('the blocks of a deleted school', () => {
  it('still deny, and are listed and lifted by those who manage blocks at the trust root, not by a cluster manager who had them', async () => {
    const closed = await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: `Closed ${Date.now()}`, parentId: node('South') } });
    expect(closed.status).toBe(201);
    const clusterDsl = await actor(trust, { memberships: [{ nodeId: node('South') }], roles: [{ roleId: keeperRole, nodeId: node('South') }] });
    expect((await call('PUT', blocksPath('pupil-c'), { token: clusterDsl.token, body: { schoolId: closed.body.id, reason: 'closed school' } })).status).toBe(200);
    expect((await call('DELETE', `/nodes/${closed.body.id}`, { token: trust.token })).status).toBe(204);

    expect(await reasonAt(node('North School'), 'pupil-c')).toBe('blocked');
    expect((await listAs(clusterDsl.token)).map((b) => b.subjectId)).not.toContain('pupil-c');
    expect((await call('DELETE', blocksPath('pupil-c'), { token: clusterDsl.token })).status).toBe(404); // as if there were none (review I, I1)
    // Nor can a school's manager take it over by naming their own school.
    expect((await call('PUT', blocksPath('pupil-c'), { token: southDsl.token, body: { schoolId: node('South School') } })).status).toBe(409);

    expect(await blockOf('pupil-c')).toEqual({ subjectId: 'pupil-c', schoolId: closed.body.id, reason: 'closed school' });
    expect((await call('DELETE', blocksPath('pupil-c'), { token: trust.token })).status).toBe(204);
    expect(await reasonAt(node('North School'), 'pupil-c')).toBe('granted');
  });
});
