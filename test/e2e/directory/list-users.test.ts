import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { normaliseSearch } from '../../../domain/directory/summary';
import { call, login } from '../../fixtures/api';
import { patchProfile, signIn, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { defaultSeed, makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

let trust: TestTrust;
let clusterAdmin: { user: any; token: string };
let schoolAdmin: { user: any; token: string };
const node = (name: string) => trust.nodes[name]!.id;
const people: Record<string, any> = {};

/** Every page of GET /users for `query`, following nextCursor; fails on a repeated person. */
async function walk(token: string, query: string, limit: number, between?: (page: number) => Promise<void>) {
  const seen: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response: any = await call('GET', `/users?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...response.body.items);
    cursor = response.body.nextCursor;
    pages++;
    if (between && cursor) await between(pages);
  } while (cursor);
  expect(new Set(seen.map((p) => p.id)).size).toBe(seen.length);
  return seen;
}

const list = (token: string, query = '') => call('GET', `/users${query ? `?${query}` : ''}`, { token });
const ids = (items: any[]) => items.map((p) => p.id).sort();

beforeAll(async () => {
  trust = await makeTrust([...defaultSeed, { kind: 'school', name: 'Sort School', parent: 'South' }]);
  [clusterAdmin, schoolAdmin] = await Promise.all([
    actor(trust, { firstName: 'Cleo', lastName: 'Cluster', memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] }),
    actor(trust, { firstName: 'Sam', lastName: 'Schooladmin', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('South School') }] }),
  ]);
  const made = await Promise.all([
    createUser(trust.token, { firstName: 'Zoë', lastName: 'Ångström', email: uniqueEmail('zoe'), memberships: [{ nodeId: node('North School'), jobTitle: 'Maths Lead' }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] }),
    createUser(trust.token, { firstName: 'Adam', lastName: 'Baker', memberships: [{ nodeId: node('Sub School') }], roles: [{ roleId: presetIds.teachingAssistant, nodeId: node('Sub School') }] }),
    createUser(trust.token, { firstName: 'Carla', lastName: 'Diaz', memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
    createUser(trust.token, { firstName: 'Pete', lastName: 'Parent', userType: 'parent', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.parent, nodeId: node('North School') }] }),
    createUser(trust.token, { firstName: 'Ina', lastName: 'Active', memberships: [{ nodeId: node('North School') }] }),
    createUser(trust.token, { firstName: 'Rolf', lastName: 'Roleonly', roles: [{ roleId: presetIds.teacher, nodeId: node('South School') }] }),
    createUser(trust.token, { firstName: 'Nora', lastName: 'Nowhere' }),
    createUser(trust.token, { firstName: 'Mia', lastName: 'Mis', memberships: [{ nodeId: node('South School') }] }),
  ]);
  for (const person of made) people[person.lastName] = person;
  const deactivated = await call('POST', `/users/${people.Active.id}/deactivate`, { token: trust.token });
  expect(deactivated.status).toBe(200);
  // There is no MIS sync yet: a person the sync made and someone then edited by hand is staged on the item (with its change time, as every write sets).
  await patchProfile(trust, people.Mis.id, { source: 'mis', edited: true, gsi3sk: new Date().toISOString() });
});

describe('GET /users: the summary and the caller\'s reach', () => {
  it('answers the summary shape of API.md, with every person in the trust admin\'s reach counted in total', async () => {
    const response = await list(trust.token, 'limit=200');
    expect(response.status).toBe(200);
    const zoe = response.body.items.find((p: any) => p.id === people['Ångström'].id);
    expect(zoe).toEqual({
      id: people['Ångström'].id, firstName: 'Zoë', lastName: 'Ångström', displayName: 'Zoë Ångström', email: people['Ångström'].email,
      userType: 'staff', status: 'invited', source: 'manual', edited: false, mfaEnabled: false,
      primaryNodeId: node('North School'), jobTitle: 'Maths Lead', nodeIds: [node('North School')],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }], updatedAt: expect.any(String), version: people['Ångström'].version,
    });
    // admin, two actors, eight made, less the one deactivated
    expect(response.body.total).toBe(10);
    expect(response.body.items).toHaveLength(10);
    expect(response.body.nextCursor).toBeNull();
  });

  it('shows a cluster admin only people placed in their cluster, in items and in total, whatever the query', async () => {
    const inNorth = [clusterAdmin.user.id, people['Ångström'].id, people.Baker.id, people.Parent.id].sort();
    const all = await list(clusterAdmin.token, 'limit=200&includeInactive=true');
    expect(all.status).toBe(200);
    expect(ids(all.body.items)).toEqual([...inNorth, people.Active.id].sort());
    expect(all.body.total).toBe(5);
    for (const query of ['q=carla', `q=${encodeURIComponent(people.Diaz.email)}`, `nodeId=${node('South School')}`, `nodeId=${trust.rootId}`, 'q=nora', 'q=rolf']) {
      const response = await list(clusterAdmin.token, `${query}&includeInactive=true`);
      const expected = query === `nodeId=${trust.rootId}` ? [...inNorth, people.Active.id].sort() : [];
      expect(ids(response.body.items), query).toEqual(expected);
      expect(response.body.total, query).toBe(expected.length);
    }
  });

  it('shows a school admin only their school, including someone placed there only by a role; nobody placed nowhere', async () => {
    const response = await list(schoolAdmin.token, 'limit=200');
    expect(ids(response.body.items)).toEqual([schoolAdmin.user.id, people.Diaz.id, people.Roleonly.id, people.Mis.id].sort());
    expect(response.body.total).toBe(4);
    // A single read agrees with the list: everyone listed reads 200, someone left out reads 404.
    expect((await call('GET', `/users/${people.Roleonly.id}`, { token: schoolAdmin.token })).status).toBe(200);
    expect((await call('GET', `/users/${people.Nowhere.id}`, { token: schoolAdmin.token })).status).toBe(404);
  });

  it('answers 403 to someone who holds users.view nowhere', async () => {
    const teacher = await actor(trust, { memberships: [{ nodeId: node('Sort School') }], roles: [{ roleId: presetIds.staff, nodeId: node('Sort School') }] });
    const response = await list(teacher.token);
    expect(response.status).toBe(403);
  });
});

describe('GET /users: search and filters', () => {
  const names = async (query: string, token = trust.token) => {
    const response = await list(token, `${query}&limit=200`);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(response.body.items.length);
    return response.body.items.map((p: any) => p.lastName).sort();
  };

  it('finds the start of a first name, last name or full name, case- and accent-insensitively', async () => {
    expect(await names('q=zoe')).toEqual(['Ångström']);
    expect(await names('q=ZOË')).toEqual(['Ångström']);
    expect(await names('q=angst')).toEqual(['Ångström']);
    expect(await names(`q=${encodeURIComponent('zoe ang')}`)).toEqual(['Ångström']);
    expect(await names('q=ada')).toEqual(['Baker']);
    expect(await names('q=aker')).toEqual([]);
  });

  it('finds a whole email and the start of one', async () => {
    expect(await names(`q=${encodeURIComponent(people.Diaz.email)}`)).toEqual(['Diaz']);
    expect(await names(`q=${encodeURIComponent(people.Diaz.email.toUpperCase())}`)).toEqual(['Diaz']);
    expect(await names('q=zoe-')).toEqual(['Ångström']);
  });

  it('filters by node including everything under it, by role, user type, status, source and edited', async () => {
    expect(await names(`nodeId=${node('North')}`)).toEqual(['Baker', 'Cluster', 'Parent', 'Ångström'].sort());
    expect(await names(`nodeId=${node('North Sub')}`)).toEqual(['Baker']);
    expect(await names(`nodeId=${node('South School')}`)).toEqual(['Diaz', 'Mis', 'Roleonly', 'Schooladmin'].sort());
    expect(await names(`roleId=${presetIds.teacher}`)).toEqual(['Diaz', 'Roleonly', 'Ångström'].sort());
    expect(await names(`roleId=${presetIds.teacher}&nodeId=${node('North')}`)).toEqual(['Ångström']);
    expect(await names('userType=parent')).toEqual(['Parent']);
    const active = await list(trust.token, 'status=active&limit=200');
    expect(active.body.items.every((p: any) => p.status === 'active')).toBe(true);
    expect(active.body.items.map((p: any) => p.lastName)).toEqual(expect.arrayContaining(['Admin', 'Cluster', 'Schooladmin']));
    expect(active.body.total).toBe(active.body.items.length);
    expect(await names('status=invited')).toEqual(expect.arrayContaining(['Baker', 'Diaz', 'Ångström']));
    expect(await names('status=invited')).not.toContain('Cluster');
    expect(await names('source=mis')).toEqual(['Mis']);
    expect(await names('edited=true')).toEqual(['Mis']);
    expect((await names('edited=false'))).not.toContain('Mis');
    expect(await names('nodeId=not-a-node-here')).toEqual([]);
  });

  it('leaves inactive people out unless includeInactive=true or status=inactive', async () => {
    expect(await names('q=ina')).toEqual([]);
    expect(await names('q=ina&includeInactive=true')).toEqual(['Active']);
    expect(await names('status=inactive')).toEqual(['Active']);
  });
});

describe('GET /users: sorting and paging', () => {
  const sorts = ['lastName', 'firstName', 'email', 'status', 'updatedAt', 'lastSignInAt'] as const;
  const field = (p: any, sort: (typeof sorts)[number]) =>
    sort === 'lastName' || sort === 'firstName' || sort === 'email' ? normaliseSearch(p[sort]) : sort === 'lastSignInAt' ? (p.lastSignInAt ?? '') : p[sort];

  it('sorts by every field in both orders, with the id breaking ties, the same whether read in one page or in pages of 2', async () => {
    for (const sort of sorts) {
      for (const order of ['asc', 'desc'] as const) {
        const query = `sort=${sort}&order=${order}&includeInactive=true`;
        const whole = await list(trust.token, `${query}&limit=200`);
        expect(whole.status).toBe(200);
        const rows = whole.body.items;
        expect(rows.length).toBe(whole.body.total);
        expect(rows.length).toBeGreaterThanOrEqual(11);
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [field(rows[i - 1], sort), field(rows[i], sort)];
          if (order === 'asc') expect(a <= b, `${sort} ${order} at ${i}: ${a} then ${b}`).toBe(true);
          else expect(a >= b, `${sort} ${order} at ${i}: ${a} then ${b}`).toBe(true);
        }
        const paged = await walk(trust.token, query, 2);
        expect(paged.map((p) => p.id)).toEqual(rows.map((p: any) => p.id));
      }
    }
  });

  it('sorts by lastName ascending by default', async () => {
    const response = await list(trust.token, 'limit=200');
    const lastNames = response.body.items.map((p: any) => normaliseSearch(p.lastName));
    expect(lastNames).toEqual([...lastNames].sort());
  });

  it('never skips or repeats a person while people are added between pages', async () => {
    const school = node('Sort School');
    const initial = await Promise.all(
      ['Kappa', 'Alpha', 'Mu', 'Delta', 'Omega', 'Gamma', 'Sigma', 'Beta'].map((lastName) => createUser(trust.token, { firstName: 'Pager', lastName, memberships: [{ nodeId: school }] })),
    );
    const added: any[] = [];
    for (const sort of ['lastName', 'updatedAt'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const seen = await walk(trust.token, `nodeId=${school}&sort=${sort}&order=${order}`, 3, async (page) => {
          // Newcomers land before, among and after the cursor (after the first two pages only, or an updatedAt walk would never end).
          if (page > 2) return;
          const names = [`Aa${page}${sort}${order}`, `Nn${page}${sort}${order}`, `Zz${page}${sort}${order}`];
          added.push(...(await Promise.all(names.map((lastName) => createUser(trust.token, { firstName: 'Late', lastName, memberships: [{ nodeId: school }] })))));
        });
        const seenIds = new Set(seen.map((p) => p.id));
        for (const person of initial) expect(seenIds.has(person.id), `${sort} ${order}: ${person.lastName}`).toBe(true);
      }
    }
    expect(added.length).toBeGreaterThan(0);
  }, 120_000);

  it('answers 400 naming the field for a bad sort, order, limit, flag or cursor', async () => {
    const cases: [string, string][] = [
      ['sort=age', 'sort'], ['order=up', 'order'], ['limit=500', 'limit'], ['limit=0', 'limit'], ['includeInactive=yes', 'includeInactive'],
      ['status=gone', 'status'], ['cursor=not-a-cursor', 'cursor'],
    ];
    for (const [query, path] of cases) {
      const response = await list(trust.token, query);
      expect(response.status, query).toBe(400);
      expect(response.body.errors.map((e: any) => e.path), query).toContain(`query.${path}`);
    }
    // A cursor of one sort is refused by another.
    const page = await list(trust.token, 'limit=1&sort=email');
    const other = await list(trust.token, `limit=1&sort=lastName&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });
});

describe('lastSignInAt', () => {
  it('is recorded at each successful sign-in, without changing the person\'s version', async () => {
    const find = async () => (await list(trust.token, `q=${encodeURIComponent(schoolAdmin.user.email)}`)).body.items[0];
    const before = await find();
    expect(before.lastSignInAt).toEqual(expect.any(String));
    const read = await call('GET', `/users/${schoolAdmin.user.id}`, { token: trust.token });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await login(schoolAdmin.user.email, TEST_PASSWORD);
    const after = await find();
    expect(after.lastSignInAt > before.lastSignInAt).toBe(true);
    expect(after.version).toBe(before.version);
    // Someone holding the version from before the sign-in can still edit.
    const patched = await call('PATCH', `/users/${schoolAdmin.user.id}`, { token: trust.token, headers: { 'if-match': `"${read.body.version}"` }, body: { lastName: 'Schooladmin' } });
    expect(patched.status).toBe(200);
    // A wrong password records nothing.
    await call('POST', '/auth/login', { body: { email: schoolAdmin.user.email, password: 'Wrong-Password-1' } });
    expect((await find()).lastSignInAt).toBe(after.lastSignInAt);
    // Never signed in: no lastSignInAt.
    expect((await list(trust.token, 'q=carla')).body.items[0].lastSignInAt).toBeUndefined();
  });

  it('is recorded by the TOTP step of a 2FA sign-in, not by its password step; mfaEnabled shows', async () => {
    const person = await actor(trust, { firstName: 'Tess', lastName: 'Totp', memberships: [{ nodeId: node('North School') }] });
    const secret = await turnOnTotp(person.token);
    const row = async () => (await list(trust.token, 'q=tess')).body.items[0];
    const before = await row();
    expect(before.mfaEnabled).toBe(true);
    const challenged = await signIn(person.user.email, TEST_PASSWORD);
    expect(challenged.body.challenge).toBe('MFA_TOTP');
    expect((await row()).lastSignInAt).toBe(before.lastSignInAt);
    await signInWithTotp(person.user.email, TEST_PASSWORD, secret);
    expect((await row()).lastSignInAt > before.lastSignInAt).toBe(true);
  });

  it('shows changes made through the API in the next list: a role granted, a membership removed, a name edited', async () => {
    const person = await createUser(trust.token, { firstName: 'Flux', lastName: 'Person', memberships: [{ nodeId: node('South School') }] });
    const granted = await call('POST', `/users/${person.id}/roles`, { token: trust.token, body: { roleId: presetIds.teacher, nodeId: node('North School') } });
    expect(granted.status).toBe(201);
    expect((await list(clusterAdmin.token, 'q=flux')).body.items.map((p: any) => p.id)).toEqual([person.id]);
    const removed = await call('DELETE', `/users/${person.id}/roles/${granted.body.id}`, { token: trust.token });
    expect(removed.status).toBe(204);
    expect((await list(clusterAdmin.token, 'q=flux')).body.total).toBe(0);
    const current = await call('GET', `/users/${person.id}`, { token: trust.token });
    const renamed = await call('PATCH', `/users/${person.id}`, { token: trust.token, headers: { 'if-match': `"${current.body.version}"` }, body: { firstName: 'Fluxion' } });
    expect(renamed.status).toBe(200);
    const row = (await list(trust.token, 'q=fluxion')).body.items[0];
    expect(row).toMatchObject({ id: person.id, firstName: 'Fluxion', version: renamed.body.version, roles: [], nodeIds: [node('South School')] });
  });
});
