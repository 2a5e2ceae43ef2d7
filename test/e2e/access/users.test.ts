import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { actor, createUser, uniqueEmail, userBody } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let clusterAdmin: { user: any; token: string };
let teacher: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;

beforeAll(async () => {
  trust = await makeTrust();
  [clusterAdmin, teacher] = await Promise.all([
    actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] }),
    actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
  ]);
});

describe('POST /users', () => {
  it('creates an invited user with their memberships and roles and answers 201', async () => {
    const email = uniqueEmail('new');
    const response = await call('POST', '/users', {
      token: trust.token,
      body: {
        firstName: 'Ada', lastName: 'Lovelace', email, mobile: '+44 7700 900123', userType: 'staff',
        memberships: [{ nodeId: node('North School'), jobTitle: 'Maths Lead', isManager: true }, { nodeId: node('Sub School') }],
        roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }],
      },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe(`"${response.body.version}"`);
    expect(response.body).toMatchObject({
      firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada Lovelace', email, userType: 'staff',
      status: 'invited', source: 'manual', mfaEnabled: false,
    });
    expect(response.body.memberships).toEqual(
      expect.arrayContaining([
        { nodeId: node('North School'), jobTitle: 'Maths Lead', primary: true, isManager: true },
        { nodeId: node('Sub School'), primary: false, isManager: false },
      ]),
    );
    expect(response.body.roles).toEqual([{ id: expect.any(String), roleId: presetIds.teacher, nodeId: node('North School') }]);
    const fetched = await call('GET', `/users/${response.body.id}`, { token: trust.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id: response.body.id, status: 'invited', roles: response.body.roles });
    expect(fetched.body.memberships).toHaveLength(2);
  });

  it('makes exactly one membership primary: the first when none is marked, else the marked one', async () => {
    const unmarked = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }, { nodeId: node('North School') }, { nodeId: node('Sub School') }] });
    expect(unmarked.memberships.filter((m: any) => m.primary)).toEqual([expect.objectContaining({ nodeId: node('South School') })]);
    const marked = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }, { nodeId: node('North School'), primary: true }] });
    expect(marked.memberships.filter((m: any) => m.primary)).toEqual([expect.objectContaining({ nodeId: node('North School') })]);
  });

  it('refuses an email that already has an account, whatever its case, with 409 email_taken', async () => {
    const email = uniqueEmail('taken');
    await createUser(trust.token, { email, memberships: [{ nodeId: node('North School') }] });
    const again = await call('POST', '/users', { token: trust.token, body: userBody({ email: email.toUpperCase(), memberships: [{ nodeId: node('North School') }] }) });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_taken');
    const admins = await call('POST', '/users', { token: trust.token, body: userBody({ email: trust.adminEmail }) });
    expect(admins.status).toBe(409);
    expect(admins.body.code).toBe('email_taken');
  });

  it('answers 400 naming memberships.0.nodeId for an unknown node and roles.0.nodeId for another trust\'s node', async () => {
    const unknown = await call('POST', '/users', { token: trust.token, body: userBody({ memberships: [{ nodeId: 'no-such-node' }] }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'memberships.0.nodeId' })]);
    const other = await makeTrust([{ kind: 'school', name: 'Theirs' }]);
    const foreign = await call('POST', '/users', {
      token: trust.token,
      body: userBody({ memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: other.nodes.Theirs!.id }] }),
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([expect.objectContaining({ path: 'roles.0.nodeId' })]);
  });

  it('answers 400 naming the field for a bad email, two primaries and a missing name, and creates nobody', async () => {
    const email = uniqueEmail('bad');
    const badEmail = await call('POST', '/users', { token: trust.token, body: { ...userBody(), email: 'not-an-email' } });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.code).toBe('validation_failed');
    expect(badEmail.body.errors.map((e: any) => e.path)).toEqual(['email']);
    const twoPrimaries = await call('POST', '/users', {
      token: trust.token,
      body: userBody({ email, memberships: [{ nodeId: node('North School'), primary: true }, { nodeId: node('Sub School'), primary: true }] }),
    });
    expect(twoPrimaries.status).toBe(400);
    expect(twoPrimaries.body.errors.map((e: any) => e.path)).toEqual(['memberships']);
    const noName = await call('POST', '/users', { token: trust.token, body: { ...userBody({ email }), firstName: ' ' } });
    expect(noName.status).toBe(400);
    expect(noName.body.errors.map((e: any) => e.path)).toEqual(['firstName']);
    // None of them made an account: the email is still free.
    expect((await call('POST', '/users', { token: trust.token, body: userBody({ email, memberships: [{ nodeId: node('North School') }] }) })).status).toBe(201);
  });

  it('of two concurrent creations with one email, lets exactly one through', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      [email, email.toUpperCase()].map((e) => call('POST', '/users', { token: trust.token, body: userBody({ email: e, memberships: [{ nodeId: node('North School') }] }) })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('answers 403 to a caller without users.create at a membership node, and creates nobody', async () => {
    const email = uniqueEmail('refused');
    const byTeacher = await call('POST', '/users', { token: teacher.token, body: userBody({ email, memberships: [{ nodeId: node('North School') }] }) });
    expect(byTeacher.status).toBe(403);
    expect(byTeacher.body.code).toBe('forbidden');
    // The cluster admin may create at its own school but not when one membership is elsewhere.
    const mixed = await call('POST', '/users', {
      token: clusterAdmin.token,
      body: userBody({ email, memberships: [{ nodeId: node('North School') }, { nodeId: node('South School') }] }),
    });
    expect(mixed.status).toBe(403);
    expect((await call('POST', '/users', { token: trust.token, body: userBody({ email }) })).status).toBe(201);
  });
});

describe('GET /users/{id}', () => {
  it('answers 200 for a user in the caller\'s reach and 404 outside it', async () => {
    const inside = await createUser(trust.token, { memberships: [{ nodeId: node('Sub School') }] });
    const outside = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const seen = await call('GET', `/users/${inside.id}`, { token: clusterAdmin.token });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: inside.id, email: inside.email });
    const hidden = await call('GET', `/users/${outside.id}`, { token: clusterAdmin.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('not_found');
  });

  it('answers 404 for a user of another trust, even to its trust admin', async () => {
    const other = await makeTrust([{ kind: 'school', name: 'Theirs' }]);
    const theirs = await createUser(other.token, { memberships: [{ nodeId: other.nodes.Theirs!.id }] });
    const response = await call('GET', `/users/${theirs.id}`, { token: trust.token });
    expect(response.status).toBe(404);
    expect(JSON.stringify(response.body)).not.toContain(theirs.email);
    expect((await call('GET', `/users/${theirs.id}`, { token: other.token })).status).toBe(200);
  });

  it('lets anyone read themself but nobody else without users.view', async () => {
    expect((await call('GET', `/users/${teacher.user.id}`, { token: teacher.token })).status).toBe(200);
    const colleague = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    expect((await call('GET', `/users/${colleague.id}`, { token: teacher.token })).status).toBe(404);
  });
});

describe('PUT /users/{id}/memberships/{nodeId}', () => {
  const membershipsOf = async (id: string) => (await call('GET', `/users/${id}`, { token: trust.token })).body.memberships as any[];

  it('adds a membership with a job title and manager flag, not primary when another is', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const response = await call('PUT', `/users/${user.id}/memberships/${node('Sub School')}`, {
      token: trust.token, body: { jobTitle: 'Deputy Manager', isManager: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ nodeId: node('Sub School'), jobTitle: 'Deputy Manager', primary: false, isManager: true });
    expect(await membershipsOf(user.id)).toEqual([
      { nodeId: node('North School'), primary: true, isManager: false },
      { nodeId: node('Sub School'), jobTitle: 'Deputy Manager', primary: false, isManager: true },
    ]);
  });

  it('changes only what it is given, and clears a job title with null', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School'), jobTitle: 'Teacher', isManager: true }] });
    const flag = await call('PUT', `/users/${user.id}/memberships/${node('North School')}`, { token: trust.token, body: { isManager: false } });
    expect(flag.body).toEqual({ nodeId: node('North School'), jobTitle: 'Teacher', primary: true, isManager: false });
    const cleared = await call('PUT', `/users/${user.id}/memberships/${node('North School')}`, { token: trust.token, body: { jobTitle: null } });
    expect(cleared.status).toBe(200);
    expect(await membershipsOf(user.id)).toEqual([{ nodeId: node('North School'), primary: true, isManager: false }]);
  });

  it('makes the first membership of someone placed nowhere primary', async () => {
    const user = await createUser(trust.token);
    const response = await call('PUT', `/users/${user.id}/memberships/${node('South School')}`, { token: trust.token, body: {} });
    expect(response.status).toBe(200);
    expect(response.body.primary).toBe(true);
  });

  it('keeps one primary even when the first membership is sent with primary: false', async () => {
    const user = await createUser(trust.token);
    const response = await call('PUT', `/users/${user.id}/memberships/${node('South School')}`, { token: trust.token, body: { primary: false } });
    // Either refused, or made primary anyway: never a person whose memberships have no primary.
    expect([200, 409]).toContain(response.status);
    const memberships = (await call('GET', `/users/${user.id}`, { token: trust.token })).body.memberships as any[];
    if (memberships.length > 0) expect(memberships.filter((m) => m.primary)).toHaveLength(1);
  });

  it('moves primary: a new primary clears the old one', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }, { nodeId: node('Sub School') }] });
    const response = await call('PUT', `/users/${user.id}/memberships/${node('Sub School')}`, { token: trust.token, body: { primary: true } });
    expect(response.status).toBe(200);
    const primaries = (await membershipsOf(user.id)).filter((m) => m.primary).map((m) => m.nodeId);
    expect(primaries).toEqual([node('Sub School')]);
  });

  it('keeps exactly one primary when two memberships are made primary at once', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North') }] });
    const results = await Promise.all(
      ['North School', 'Sub School', 'South School'].map((name) =>
        call('PUT', `/users/${user.id}/memberships/${node(name)}`, { token: trust.token, body: { primary: true } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const memberships = await membershipsOf(user.id);
    expect(memberships).toHaveLength(4);
    expect(memberships.filter((m) => m.primary)).toHaveLength(1);
  });

  it('refuses to switch the primary membership off with 409 primary_required', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }, { nodeId: node('Sub School') }] });
    const response = await call('PUT', `/users/${user.id}/memberships/${node('North School')}`, { token: trust.token, body: { primary: false } });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('primary_required');
    expect((await membershipsOf(user.id)).filter((m) => m.primary).map((m) => m.nodeId)).toEqual([node('North School')]);
  });

  it('answers 403 without users.edit at the node and 404 for an unknown node', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
    const elsewhere = await call('PUT', `/users/${user.id}/memberships/${node('South School')}`, { token: clusterAdmin.token, body: {} });
    expect(elsewhere.status).toBe(403);
    const byTeacher = await call('PUT', `/users/${user.id}/memberships/${node('Sub School')}`, { token: teacher.token, body: {} });
    expect(byTeacher.status).toBe(403);
    const unknown = await call('PUT', `/users/${user.id}/memberships/no-such-node`, { token: trust.token, body: {} });
    expect(unknown.status).toBe(404);
    expect(await membershipsOf(user.id)).toHaveLength(1);
  });
});

describe('DELETE /users/{id}/memberships/{nodeId}', () => {
  it('removing the primary promotes the remaining membership', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }, { nodeId: node('Sub School') }] });
    const response = await call('DELETE', `/users/${user.id}/memberships/${node('North School')}`, { token: trust.token });
    expect(response.status).toBe(204);
    const memberships = (await call('GET', `/users/${user.id}`, { token: trust.token })).body.memberships;
    expect(memberships).toEqual([{ nodeId: node('Sub School'), primary: true, isManager: false }]);
  });

  it('removing a non-primary membership leaves the primary alone, and a missing one answers 404', async () => {
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }, { nodeId: node('Sub School') }] });
    expect((await call('DELETE', `/users/${user.id}/memberships/${node('Sub School')}`, { token: trust.token })).status).toBe(204);
    const memberships = (await call('GET', `/users/${user.id}`, { token: trust.token })).body.memberships;
    expect(memberships).toEqual([{ nodeId: node('North School'), primary: true, isManager: false }]);
    expect((await call('DELETE', `/users/${user.id}/memberships/${node('Sub School')}`, { token: trust.token })).status).toBe(404);
  });
});

describe('GET /nodes/{id}/managers', () => {
  it('names the managers with their job titles, in the order they were placed, leaving out non-managers', async () => {
    const t = await makeTrust();
    const nursery = t.nodes['Sub School']!.id;
    await createUser(t.token, { firstName: 'Jane', lastName: 'Smith', memberships: [{ nodeId: nursery, jobTitle: 'Nursery Manager', isManager: true }] });
    await createUser(t.token, { firstName: 'John', lastName: 'Doe', memberships: [{ nodeId: nursery, jobTitle: 'Deputy Manager', isManager: true }] });
    await createUser(t.token, { firstName: 'Al', lastName: 'Able', memberships: [{ nodeId: nursery, jobTitle: 'Practitioner' }] });
    const response = await call('GET', `/nodes/${nursery}/managers`, { token: t.token });
    expect(response.status).toBe(200);
    expect(response.body.line).toBe('Jane Smith - Nursery Manager, John Doe - Deputy Manager');
    expect(response.body.managers.map((m: any) => m.displayName)).toEqual(['Jane Smith', 'John Doe']);
    expect(response.body.managers[0]).toMatchObject({ jobTitle: 'Nursery Manager', userId: expect.any(String) });
  });

  it('follows the manager flag as it changes', async () => {
    const t = await makeTrust([{ kind: 'school', name: 'Acorns', label: 'Nursery' }]);
    const acorns = t.nodes.Acorns!.id;
    const jane = await createUser(t.token, { firstName: 'Jane', lastName: 'Smith', memberships: [{ nodeId: acorns, jobTitle: 'Nursery Manager' }] });
    expect((await call('GET', `/nodes/${acorns}/managers`, { token: t.token })).body).toMatchObject({ line: '', managers: [] });
    await call('PUT', `/users/${jane.id}/memberships/${acorns}`, { token: t.token, body: { isManager: true } });
    expect((await call('GET', `/nodes/${acorns}/managers`, { token: t.token })).body.line).toBe('Jane Smith - Nursery Manager');
  });

  it('answers 403 without users.view at the node', async () => {
    expect((await call('GET', `/nodes/${node('North School')}/managers`, { token: teacher.token })).status).toBe(403);
    expect((await call('GET', `/nodes/${node('South School')}/managers`, { token: clusterAdmin.token })).status).toBe(403);
    expect((await call('GET', `/nodes/${node('Sub School')}/managers`, { token: clusterAdmin.token })).status).toBe(200);
  });
});

describe('DELETE /nodes/{id} with people placed on it', () => {
  it('refuses a node with members with 409 not_empty until they leave', async () => {
    const school = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Soon Gone', parentId: trust.rootId } })).body;
    const user = await createUser(trust.token, { memberships: [{ nodeId: school.id }] });
    const refused = await call('DELETE', `/nodes/${school.id}`, { token: trust.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('not_empty');
    expect((await call('DELETE', `/users/${user.id}/memberships/${school.id}`, { token: trust.token })).status).toBe(204);
    expect((await call('DELETE', `/nodes/${school.id}`, { token: trust.token })).status).toBe(204);
  });

  it('of a deletion racing a new membership there, never lets both through', async () => {
    for (let round = 0; round < 3; round++) {
      const school = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: `Racing ${round}`, parentId: trust.rootId } })).body;
      const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }] });
      const [placed, deleted] = await Promise.all([
        call('PUT', `/users/${user.id}/memberships/${school.id}`, { token: trust.token, body: {} }),
        call('DELETE', `/nodes/${school.id}`, { token: trust.token }),
      ]);
      expect([placed.status, deleted.status]).not.toEqual([200, 204]);
      const memberships = (await call('GET', `/users/${user.id}`, { token: trust.token })).body.memberships as any[];
      const nodeIds = ((await call('GET', '/nodes', { token: trust.token })).body.items as any[]).map((n) => n.id);
      if (!nodeIds.includes(school.id)) expect(memberships.map((m) => m.nodeId)).not.toContain(school.id);
    }
  });

  it('refuses a node where someone holds a role until the role is taken away', async () => {
    const school = (await call('POST', '/nodes', { token: trust.token, body: { kind: 'school', name: 'Role Held', parentId: trust.rootId } })).body;
    const user = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: school.id }] });
    expect((await call('DELETE', `/nodes/${school.id}`, { token: trust.token })).status).toBe(409);
    expect((await call('DELETE', `/users/${user.id}/roles/${user.roles[0].id}`, { token: trust.token })).status).toBe(204);
    expect((await call('DELETE', `/nodes/${school.id}`, { token: trust.token })).status).toBe(204);
  });
});
