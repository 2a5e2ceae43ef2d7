import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Security review E: what /authz/* tells about someone else and a pupil, and
 * what it answers with no pupil at all.
 * - E9: an answer naming a pupil shows whether a person is blocked from that
 *   pupil (a block exists because of an allegation or a relative at the
 *   school) and whether a parent is linked to them. Only holders of
 *   safeguarding.blocks.manage see blocks (GET /users/{id}/blocks); a
 *   School Admin or a Trust Report Viewer asking with users.view alone must
 *   not be able to tell a blocked pupil from any other.
 * - E1: a parents-area question with no pupil is not a yes.
 */
let trust: TestTrust;
let teacher: { user: { id: string } };
let parent: { user: { id: string }; token: string };
let reportViewer: { token: string };
let schoolAdmin: { token: string };
let dsl: string;
const node = (name: string) => trust.nodes[name]!.id;
const pupils = ['pupil-41', 'pupil-42', 'pupil-43'];
const batch = (token: string, userId: string, nodeId = node('South School'), permission = 'classes.view') =>
  call('POST', '/authz/batch', { token, body: { checks: pupils.map((subjectId) => ({ userId, permission, nodeId, subjectId })) } });

beforeAll(async () => {
  trust = await makeTrust();
  const admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  const south = { memberships: [{ nodeId: node('South School') }] };
  [teacher, parent, reportViewer, schoolAdmin] = await Promise.all([
    actor(trust, { ...south, roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
    actor(trust, { userType: 'parent', ...south, roles: [{ roleId: presetIds.parent, nodeId: node('South School') }] }),
    actor(trust, { roles: [{ roleId: presetIds.trustReportViewer, nodeId: trust.rootId }] }),
    actor(trust, { ...south, roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('South School') }] }),
  ]);
  const lead = await actor({ ...trust, token: admin2fa }, { ...south, roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: node('South School') }] });
  dsl = await signInWithTotp(lead.user.email, TEST_PASSWORD, await turnOnTotp(lead.token));
  expect((await call('PUT', `/users/${teacher.user.id}/blocks/pupil-42`, { token: trust.token, body: { schoolId: node('South School'), reason: 'Relative at the school' } })).status).toBe(200);
  expect((await call('PUT', `/users/${parent.user.id}/children/pupil-43`, { token: trust.token, body: { schoolId: node('South School') } })).status).toBe(200);
}, 120_000);

describe('asking about someone else and a pupil (E9)', () => {
  it('is refused to users.view holders without safeguarding.blocks.manage there: every pupil answers the same, blocked or not', async () => {
    for (const token of [reportViewer.token, schoolAdmin.token]) {
      // They see no blocks where they are kept...
      expect((await call('GET', `/users/${teacher.user.id}/blocks`, { token })).body.items ?? []).toEqual([]);
      // ...and /authz/* does not show them either.
      const results = (await batch(token, teacher.user.id)).body.results;
      expect(results).toEqual(pupils.map(() => ({ allowed: false, reason: 'no_grant', error: { status: 403, code: 'forbidden' } })));
      const single = await call('POST', '/authz/check', { token, body: { userId: teacher.user.id, permission: 'classes.view', nodeId: node('South School'), subjectId: 'pupil-42' } });
      expect(single.status).toBe(403);
      expect(single.body.code).toBe('forbidden');
      // Parent links likewise.
      const links = (await batch(token, parent.user.id, node('South School'), 'children.view')).body.results;
      expect(new Set(links.map((r: unknown) => JSON.stringify(r))).size).toBe(1);
      // Without a pupil the question is theirs to ask, as the contract says.
      const plain = await call('POST', '/authz/check', { token, body: { userId: teacher.user.id, permission: 'classes.view', nodeId: node('South School') } });
      expect(plain.body).toMatchObject({ allowed: true, reason: 'granted' });
    }
  });

  it('is answered in full to the school\'s DSL (safeguarding.blocks.manage there), to the person about themself, and to an app', async () => {
    expect((await batch(dsl, teacher.user.id)).body.results.map((r: { reason: string }) => r.reason)).toEqual(['granted', 'blocked', 'granted']);
    expect((await batch(dsl, parent.user.id, node('South School'), 'children.view')).body.results.map((r: { reason: string }) => r.reason)).toEqual(['not_linked', 'not_linked', 'granted']);
    // The teacher asking about themself.
    const own = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] });
    expect((await call('PUT', `/users/${own.user.id}/blocks/pupil-41`, { token: trust.token, body: { schoolId: node('South School') } })).status).toBe(200);
    expect((await batch(own.token, own.user.id)).body.results.map((r: { reason: string }) => r.reason)).toEqual(['blocked', 'granted', 'granted']);
  });
});

describe('a block recorded at another school (review G, G1)', () => {
  it("is not shown to a DSL who manages blocks only where the question is asked: every pupil is refused alike", async () => {
    // A teacher of both schools, blocked from a pupil at North School.
    const both = await actor(trust, {
      memberships: [{ nodeId: node('North School') }, { nodeId: node('South School') }],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }, { roleId: presetIds.teacher, nodeId: node('South School') }],
    });
    expect((await call('PUT', `/users/${both.user.id}/blocks/pupil-n1`, { token: trust.token, body: { schoolId: node('North School'), reason: 'Relative at the school' } })).status).toBe(200);
    // The South DSL sees no North block...
    expect((await call('GET', `/users/${both.user.id}/blocks`, { token: dsl })).body.items ?? []).toEqual([]);
    // ...and asking at South cannot tell the North-blocked pupil from any other.
    const results = (await call('POST', '/authz/batch', { token: dsl, body: { checks: ['pupil-n1', 'pupil-n2'].map((subjectId) => ({ userId: both.user.id, permission: 'classes.view', nodeId: node('South School'), subjectId })) } })).body.results;
    expect(results).toEqual([0, 1].map(() => ({ allowed: false, reason: 'no_grant', error: { status: 403, code: 'forbidden' } })));
    // The trust admin, who manages blocks everywhere, is told.
    const told = (await call('POST', '/authz/batch', { token: trust.token, body: { checks: ['pupil-n1', 'pupil-n2'].map((subjectId) => ({ userId: both.user.id, permission: 'classes.view', nodeId: node('South School'), subjectId })) } })).body.results;
    expect(told.map((r: { reason: string }) => r.reason)).toEqual(['blocked', 'granted']);
  });
});

describe('a parents-area question with no pupil (E1)', () => {
  it('is not_linked for a parent, asked by themself or by an admin; with their linked pupil it is granted', async () => {
    const ask = (token: string, subjectId?: string) =>
      call('POST', '/authz/check', { token, body: { userId: parent.user.id, permission: 'children.view', nodeId: node('South School'), ...(subjectId ? { subjectId } : {}) } });
    expect((await ask(parent.token)).body).toEqual({ allowed: false, reason: 'not_linked' });
    expect((await ask(trust.token)).body).toEqual({ allowed: false, reason: 'not_linked' });
    expect((await ask(parent.token, 'pupil-43')).body).toMatchObject({ allowed: true, reason: 'granted' });
    // A code the parent does not hold stays no_grant: not_linked never hides the grant test.
    const other = await call('POST', '/authz/check', { token: parent.token, body: { userId: parent.user.id, permission: 'classes.view', nodeId: node('South School') } });
    expect(other.body).toEqual({ allowed: false, reason: 'no_grant' });
  });
});

describe('lifting a block or a link at another school (review I, I1)', () => {
  it('answers the same 404 whether there is one or not, to anyone without a say there, and changes nothing', async () => {
    const places = { memberships: [{ nodeId: node('North School') }, { nodeId: node('South School') }] };
    const [both, mum] = await Promise.all([
      actor(trust, { ...places, roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }, { roleId: presetIds.teacher, nodeId: node('South School') }] }),
      actor(trust, { userType: 'parent', ...places, roles: [{ roleId: presetIds.parent, nodeId: node('North School') }] }),
    ]);
    expect((await call('PUT', `/users/${both.user.id}/blocks/pupil-n1`, { token: trust.token, body: { schoolId: node('North School'), reason: 'Allegation under investigation' } })).status).toBe(200);
    expect((await call('PUT', `/users/${mum.user.id}/children/pupil-n2`, { token: trust.token, body: { schoolId: node('North School') } })).status).toBe(200);

    // South's School Admin (users.view and users.edit at South) and South's DSL (blocks.manage at South, 2FA session).
    for (const token of [schoolAdmin.token, dsl]) {
      const blocked = await call('DELETE', `/users/${both.user.id}/blocks/pupil-n1`, { token });
      const none = await call('DELETE', `/users/${both.user.id}/blocks/pupil-zz`, { token });
      expect([blocked.status, blocked.body.code], 'block').toEqual([none.status, none.body.code]);
      expect(blocked.body).toEqual(none.body);
      const linked = await call('DELETE', `/users/${mum.user.id}/children/pupil-n2`, { token });
      const unlinked = await call('DELETE', `/users/${mum.user.id}/children/pupil-zz`, { token });
      expect(linked.body).toEqual(unlinked.body);
    }
    expect((await call('DELETE', `/users/${both.user.id}/blocks/pupil-zz`, { token: dsl })).status).toBe(404);
    // Nothing changed; the trust admin, who manages both everywhere, still sees them and may lift them.
    expect((await call('GET', `/users/${both.user.id}/blocks`, { token: trust.token })).body.items).toEqual([expect.objectContaining({ subjectId: 'pupil-n1' })]);
    const stillLinked = await call('POST', '/authz/check', { token: trust.token, body: { userId: mum.user.id, permission: 'children.view', nodeId: node('North School'), subjectId: 'pupil-n2' } });
    expect(stillLinked.body).toMatchObject({ allowed: true, reason: 'granted' });
    expect((await call('DELETE', `/users/${both.user.id}/blocks/pupil-n1`, { token: trust.token })).status).toBe(204);
    expect((await call('DELETE', `/users/${mum.user.id}/children/pupil-n2`, { token: trust.token })).status).toBe(204);
  });
});
