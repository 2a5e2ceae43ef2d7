import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
/** School Admin at North School only. */
let schoolAdmin: { user: any; token: string };
/** A parent with the Parent role at North School and at South School, placed at both. */
let parent: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;
const check = (body: Record<string, unknown>) => call('POST', '/authz/check', { token: trust.token, body });

beforeAll(async () => {
  trust = await makeTrust();
  [schoolAdmin, parent] = await Promise.all([
    actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] }),
    actor(trust, {
      userType: 'parent',
      memberships: [{ nodeId: node('North School'), primary: true }, { nodeId: node('South School') }],
      roles: [
        { roleId: presetIds.parent, nodeId: node('North School') },
        { roleId: presetIds.parent, nodeId: node('South School') },
      ],
    }),
  ]);
});

describe('a parent link is scoped to its school', () => {
  it('refuses a School Admin of North School who links a parent to a pupil naming South School (403), and stores nothing', async () => {
    const attack = await call('PUT', `/users/${parent.user.id}/children/pupil-south`, { token: schoolAdmin.token, body: { schoolId: node('South School') } });
    expect(attack.status).toBe(403);
    const decision = await check({ userId: parent.user.id, permission: 'children.view', nodeId: node('South School'), subjectId: 'pupil-south' });
    expect(decision.body).toEqual({ allowed: false, reason: 'not_linked' });
  });

  it('lets the same School Admin link the pupil at its own school', async () => {
    const put = await call('PUT', `/users/${parent.user.id}/children/pupil-north`, { token: schoolAdmin.token, body: { schoolId: node('North School') } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ subjectId: 'pupil-north', schoolId: node('North School') });
  });

  it('answers not_linked about a pupil linked at North School when asked at South School, where the parent also holds the Parent role', async () => {
    await call('PUT', `/users/${parent.user.id}/children/pupil-7`, { token: trust.token, body: { schoolId: node('North School') } });
    const ask = (nodeId: string) => check({ userId: parent.user.id, permission: 'children.view', nodeId, subjectId: 'pupil-7' });
    const atSouth = await ask(node('South School'));
    expect(atSouth.status).toBe(200);
    expect(atSouth.body).toEqual({ allowed: false, reason: 'not_linked' });
    expect((await ask(node('North School'))).body).toMatchObject({ allowed: true, reason: 'granted', via: { nodeId: node('North School') } });
  });
});

describe('nobody links themself to a pupil', () => {
  it('refuses a School Admin who is also a parent linking themself to any pupil (403 self_change), and the decision stays no', async () => {
    const adminParent = await actor(trust, {
      userType: 'parent',
      memberships: [{ nodeId: node('North School'), primary: true }],
      roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }, { roleId: presetIds.parent, nodeId: node('North School') }],
    });
    const attack = await call('PUT', `/users/${adminParent.user.id}/children/pupil-stranger`, { token: adminParent.token, body: { schoolId: node('North School') } });
    expect(attack.status).toBe(403);
    expect(attack.body.code).toBe('self_change');
    const decision = await check({ userId: adminParent.user.id, permission: 'children.view', nodeId: node('North School'), subjectId: 'pupil-stranger' });
    expect(decision.body).toEqual({ allowed: false, reason: 'not_linked' });
    // Another administrator may link them, and only that administrator may unlink them again.
    expect((await call('PUT', `/users/${adminParent.user.id}/children/pupil-own`, { token: schoolAdmin.token, body: { schoolId: node('North School') } })).status).toBe(200);
    const unlink = await call('DELETE', `/users/${adminParent.user.id}/children/pupil-own`, { token: adminParent.token });
    expect(unlink.status).toBe(403);
    expect(unlink.body.code).toBe('self_change');
  });
});

describe("another school's link is not moved (security review)", () => {
  const linkPath = (subjectId: string) => `/users/${parent.user.id}/children/${subjectId}`;
  const linked = (nodeId: string, subjectId: string) => check({ userId: parent.user.id, permission: 'children.view', nodeId, subjectId }).then((r) => r.body.reason);

  it("refuses North's School Admin moving a link made at South School (409 linked_elsewhere): the parent stays linked at South, and North cannot unlink it either", async () => {
    expect((await call('PUT', linkPath('pupil-s1'), { token: trust.token, body: { schoolId: node('South School') } })).status).toBe(200);
    const move = await call('PUT', linkPath('pupil-s1'), { token: schoolAdmin.token, body: { schoolId: node('North School') } });
    expect(move.status).toBe(409);
    expect(move.body.code).toBe('linked_elsewhere');
    expect(await linked(node('South School'), 'pupil-s1')).toBe('granted');
    expect(await linked(node('North School'), 'pupil-s1')).toBe('not_linked');
    expect((await call('DELETE', linkPath('pupil-s1'), { token: schoolAdmin.token })).status).toBe(404); // as if there were none (review I, I1)
    expect(await linked(node('South School'), 'pupil-s1')).toBe('granted');
  });

  it('lets a school re-link at itself, and an admin of both schools move a link', async () => {
    expect((await call('PUT', linkPath('pupil-n1'), { token: schoolAdmin.token, body: { schoolId: node('North School') } })).status).toBe(200);
    const again = await call('PUT', linkPath('pupil-n1'), { token: schoolAdmin.token, body: { schoolId: node('North School') } });
    expect(again.status).toBe(200);
    expect(await linked(node('North School'), 'pupil-n1')).toBe('granted');

    expect((await call('PUT', linkPath('pupil-n1'), { token: trust.token, body: { schoolId: node('South School') } })).status).toBe(200);
    expect(await linked(node('South School'), 'pupil-n1')).toBe('granted');
    expect(await linked(node('North School'), 'pupil-n1')).toBe('not_linked');
  });

  it('a concurrent pair of PUTs from two schools leaves one link, the winner’s, and refuses the other', async () => {
    const southAdmin = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('South School') }] });
    for (const subjectId of ['pupil-race-1', 'pupil-race-2']) {
      const [north, south] = await Promise.all([
        call('PUT', linkPath(subjectId), { token: schoolAdmin.token, body: { schoolId: node('North School') } }),
        call('PUT', linkPath(subjectId), { token: southAdmin.token, body: { schoolId: node('South School') } }),
      ]);
      expect([north.status, south.status].sort()).toEqual([200, 409]);
      const [winner, loser] = north.status === 200 ? [north, south] : [south, north];
      expect(loser.body.code).toBe('linked_elsewhere');
      expect(await linked(winner.body.schoolId, subjectId)).toBe('granted');
      expect(await linked(loser === north ? node('North School') : node('South School'), subjectId)).toBe('not_linked');
    }
  });

  it('changes links only of parents inside the reach of users.edit: seeing a parent across the trust is not enough (404)', async () => {
    const viewer = (await call('POST', '/roles', { token: trust.token, body: { name: 'Directory Viewer', permissions: ['users.view'] } })).body;
    const wideViewer = await actor(trust, {
      memberships: [{ nodeId: node('North School') }],
      roles: [{ roleId: viewer.id, nodeId: trust.rootId }, { roleId: presetIds.schoolAdmin, nodeId: node('North School') }],
    });
    const southParent = await actor(trust, { userType: 'parent', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.parent, nodeId: node('South School') }] });
    expect((await call('GET', `/users/${southParent.user.id}`, { token: wideViewer.token })).status).toBe(200);
    const put = await call('PUT', `/users/${southParent.user.id}/children/pupil-x`, { token: wideViewer.token, body: { schoolId: node('North School') } });
    expect(put.status).toBe(404);
    expect((await call('PUT', `/users/${southParent.user.id}/children/pupil-x`, { token: trust.token, body: { schoolId: node('South School') } })).status).toBe(200);
    expect((await call('DELETE', `/users/${southParent.user.id}/children/pupil-x`, { token: wideViewer.token })).status).toBe(404);
    expect((await check({ userId: southParent.user.id, permission: 'children.view', nodeId: node('South School'), subjectId: 'pupil-x' })).body.reason).toBe('granted');
  });
});
