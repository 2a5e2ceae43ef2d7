import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call, stack } from '../../fixtures/api';
import { auditOf, signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, actor, createUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Integration clients over HTTP on the local stack: made by a trust admin in
 * a 2FA session, a token from POST /oauth2/token (client credentials, HTTP
 * Basic), then decisions and reads cut to the client's node, exactly as a
 * person's reach cuts them.
 */

let trust: TestTrust;
let admin2fa: string;
let northTeacher: { id: string };
let southTeacher: { id: string };
let schoolAdmin: { token: string };

const node = (name: string) => trust.nodes[name]!.id;

const createClient = (body: Record<string, unknown>, token = admin2fa) => call('POST', '/integrations', { token, body });

function tokenRequest(credentials: string | undefined, form = 'grant_type=client_credentials', scheme = 'Basic') {
  return call('POST', '/oauth2/token', {
    rawBody: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(credentials === undefined ? {} : { authorization: `${scheme} ${credentials}` }) },
  });
}
const basic = (id: string, secret: string) => Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

async function clientToken(client: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await tokenRequest(basic(client.clientId, client.clientSecret));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.access_token;
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

const check = (token: string, userId: string, nodeId = node('North School')) =>
  call('POST', '/authz/check', { token, body: { userId, permission: 'classes.view', nodeId } });

beforeAll(async () => {
  trust = await makeTrust();
  const secret = await turnOnTotp(trust.token);
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, secret);
  const teacherAt = (school: string) => ({ memberships: [{ nodeId: node(school) }], roles: [{ roleId: presetIds.teacher, nodeId: node(school) }] });
  northTeacher = await createUser(trust.token, teacherAt('North School'));
  await activate(trust, northTeacher as { id: string; email: string });
  southTeacher = await createUser(trust.token, teacherAt('South School'));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
}, 90_000);

describe('who may manage integration clients', () => {
  it('refuses a person without integrations.manage (403 forbidden)', async () => {
    const response = await createClient({ name: 'Behaviour app', scopes: ['authz.check'], nodeId: node('North') }, schoolAdmin.token);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
    expect((await call('GET', '/integrations', { token: schoolAdmin.token })).status).toBe(403);
  });

  it('refuses the trust admin in a session that did not pass 2FA (403 mfa_required)', async () => {
    const response = await createClient({ name: 'Behaviour app', scopes: ['authz.check'], nodeId: node('North') }, trust.token);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('mfa_required');
    expect((await call('GET', '/integrations', { token: trust.token })).body.code).toBe('mfa_required');
  });

  it("refuses an acting admin whose integrations.manage ends: a client has no end date and would outlive their authority (review E, E10)", async () => {
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const acting = await actor({ ...trust, token: admin2fa }, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.trustAdmin, nodeId: trust.rootId, validUntil: until }] });
    const acting2fa = await signInWithTotp(acting.user.email, TEST_PASSWORD, await turnOnTotp(acting.token));
    // Everything else about integrations stays theirs while the role lasts.
    expect((await call('GET', '/integrations', { token: acting2fa })).status).toBe(200);
    const refused = await createClient({ name: 'Left behind', scopes: ['users.read', 'authz.check'], nodeId: trust.rootId }, acting2fa);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('escalation');
    expect(refused.body.title).toContain(until);
    expect(((await call('GET', '/integrations', { token: admin2fa })).body.items as { name: string }[]).some((c) => c.name === 'Left behind')).toBe(false);
  });

  it('refuses a node outside the trust and an unknown scope (400)', async () => {
    expect((await createClient({ name: 'x', scopes: ['authz.check'], nodeId: 'no-such-node' })).status).toBe(400);
    const badScope = await createClient({ name: 'x', scopes: ['users.write'], nodeId: node('North') });
    expect(badScope.status).toBe(400);
    expect(badScope.body.errors[0].path).toMatch(/^scopes/);
  });
});

describe('a client bound to the North cluster with authz.check', () => {
  let client: { id: string; clientId: string; clientSecret: string };
  let token: string;

  beforeAll(async () => {
    const created = await createClient({ name: 'Behaviour app', scopes: ['authz.check'], nodeId: node('North') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    client = created.body;
    token = await clientToken(client);
    // The token endpoint is the API's own route, not the web app's (review H, H-3).
    expect(created.body.tokenEndpoint).toBe(`${stack().url}/oauth2/token`);
  });

  it('shows the secret once: GET /integrations lists the client without it', async () => {
    expect(client.clientSecret.length).toBeGreaterThan(10);
    const list = await call('GET', '/integrations', { token: admin2fa });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((i: any) => i.id === client.id);
    expect(listed).toMatchObject({ clientId: client.clientId, name: 'Behaviour app', scopes: ['authz.check'], nodeId: node('North'), status: 'active' });
    expect(JSON.stringify(list.body)).not.toContain(client.clientSecret);
    expect(listed).not.toHaveProperty('clientSecret');
  });

  it('gets a token of Cognito\'s access-token shape, valid an hour at most', async () => {
    const response = await tokenRequest(basic(client.clientId, client.clientSecret));
    expect(response.body).toMatchObject({ token_type: 'Bearer' });
    expect(response.body.expires_in).toBeLessThanOrEqual(3600);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const claims = claimsOf(response.body.access_token);
    expect(claims).toMatchObject({ client_id: client.clientId, sub: client.clientId, token_use: 'access', scope: 'trust-access/authz.check' });
    expect(claims).not.toHaveProperty('username');
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.iss).toBe('string');
  });

  it('asks about a person at or under its node and gets the decision', async () => {
    const response = await check(token, northTeacher.id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ allowed: true, reason: 'granted' });
  });

  it('gets not_found for a person outside its node, as a person caller does for someone outside reach', async () => {
    const response = await check(token, southTeacher.id, node('South School'));
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
    // The cluster admin's answer for someone outside their reach is the same.
    const clusterAdmin = await actor(trust, { memberships: [{ nodeId: node('North') }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }] });
    const personAnswer = await check(clusterAdmin.token, southTeacher.id, node('South School'));
    expect(personAnswer.status).toBe(404);
    expect(personAnswer.body).toEqual(response.body);
  });

  it('reaches people deeper under its node, but not people placed nowhere (visible only at the root)', async () => {
    const deeper = await createUser(trust.token, { memberships: [{ nodeId: node('Sub School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('Sub School') }] });
    expect((await check(token, deeper.id, node('Sub School'))).status).toBe(200);
    const nowhere = await createUser(trust.token, {});
    expect((await check(token, nowhere.id, node('North'))).status).toBe(404);
    // A client bound to the trust root sees them, as a person holding users.view at the root does.
    const rootClient = (await createClient({ name: 'Trust-wide app', scopes: ['authz.check'], nodeId: trust.rootId })).body;
    expect((await check(await clientToken(rootClient), nowhere.id, node('North'))).status).toBe(200);
  });

  it('answers a batch in order, with not_found only for the person outside', async () => {
    const response = await call('POST', '/authz/batch', {
      token,
      body: { checks: [
        { userId: northTeacher.id, permission: 'classes.view', nodeId: node('North School') },
        { userId: southTeacher.id, permission: 'classes.view', nodeId: node('South School') },
        { userId: northTeacher.id, permission: 'org.manage', nodeId: node('North School') },
      ] },
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: any) => [r.allowed, r.reason, r.error?.code])).toEqual([
      [true, 'granted', undefined],
      [false, 'no_grant', 'not_found'],
      [false, 'no_grant', undefined],
    ]);
  });

  it('is refused a scope it lacks (users.read: 403) and every route without a client scope (403)', async () => {
    expect((await call('GET', `/users/${northTeacher.id}`, { token })).status).toBe(403);
    const createUserAttempt = await call('POST', '/users', { token, body: { firstName: 'Eve', lastName: 'Client', email: 'eve@test.example', userType: 'staff' } });
    expect(createUserAttempt.status).toBe(403);
    expect((await call('POST', '/integrations', { token, body: { name: 'self-made', scopes: ['users.read'], nodeId: node('North') } })).status).toBe(403);
    // Routes no client token may use answer the documented 403 too (call() checks each answer against /openapi.json; review F, F-6):
    // the JWT authorizer's scope check, so API Gateway's own answer, not a problem document (review H, H-4).
    for (const path of ['/me', '/nodes', '/roles', '/me/notification-preferences']) {
      const refused = await call('GET', path, { token });
      expect(refused.status, path).toBe(403);
      expect(refused.body, path).toEqual({ message: 'Forbidden' });
    }
  });
});

describe('a client with users.read', () => {
  it('reads a person at or under its node, and gets 404 outside it', async () => {
    const created = await createClient({ name: 'Directory sync', scopes: ['users.read'], nodeId: node('North') });
    const token = await clientToken(created.body);
    const inside = await call('GET', `/users/${northTeacher.id}`, { token });
    expect(inside.status).toBe(200);
    expect(inside.body.id).toBe(northTeacher.id);
    const outside = await call('GET', `/users/${southTeacher.id}`, { token });
    expect(outside.status).toBe(404);
    // authz.check it was not given.
    expect((await check(token, northTeacher.id)).status).toBe(403);
  });

  it('lists the directory cut to its node: never a person outside it, in the items or the total', async () => {
    const created = await createClient({ name: 'Directory list', scopes: ['users.read'], nodeId: node('North') });
    const token = await clientToken(created.body);
    const page = await call('GET', '/users?limit=200', { token });
    expect(page.status).toBe(200);
    const ids = (page.body.items as { id: string }[]).map((i) => i.id);
    expect(ids).toContain(northTeacher.id);
    expect(ids).not.toContain(southTeacher.id);
    expect(page.body.total).toBe(ids.length);
    const southOnly = await call('GET', `/users?nodeId=${node('South')}`, { token });
    expect(southOnly.body).toMatchObject({ items: [], total: 0 });
  });

  it("shows a person placed in and out of its node with only the places and roles inside it (review F, F-10)", async () => {
    const both = await createUser(admin2fa, {
      lastName: `Both${Date.now()}`,
      memberships: [{ nodeId: node('North School') }, { nodeId: node('South School'), primary: true, jobTitle: 'Head of Science' }],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }, { roleId: presetIds.designatedSafeguardingLead, nodeId: node('South School') }],
    });
    const token = await clientToken((await createClient({ name: 'Directory cut', scopes: ['users.read'], nodeId: node('North') })).body);
    const one = await call('GET', `/users/${both.id}`, { token });
    expect(one.status).toBe(200);
    expect(one.body.memberships.map((m: { nodeId: string }) => m.nodeId)).toEqual([node('North School')]);
    expect(one.body.roles.map((r: { roleId: string; nodeId: string }) => [r.roleId, r.nodeId])).toEqual([[presetIds.teacher, node('North School')]]);
    expect(JSON.stringify(one.body)).not.toContain(node('South School'));
    const row = ((await call('GET', `/users?q=${encodeURIComponent(both.lastName)}&limit=50`, { token })).body.items as { id: string }[]).find((i) => i.id === both.id) as Record<string, unknown>;
    expect(row).toMatchObject({ nodeIds: [node('North School')], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }], primaryNodeId: null });
    expect(JSON.stringify(row)).not.toContain('Head of Science');
    expect(JSON.stringify(row)).not.toContain(node('South School'));
    // Its filters see only that too: a DSL role or a place outside its node matches nothing (review G, G4).
    const ids = async (query: string) => ((await call('GET', `/users?${query}&limit=200`, { token })).body.items as { id: string }[]).map((i) => i.id);
    expect(await ids(`roleId=${presetIds.designatedSafeguardingLead}`)).not.toContain(both.id);
    expect(await ids(`nodeId=${node('South School')}`)).not.toContain(both.id);
    expect(await ids(`roleId=${presetIds.teacher}&nodeId=${node('North School')}`)).toContain(both.id);
    // A person caller who may see them sees them whole (an admin placing someone needs their other schools).
    expect((await call('GET', `/users/${both.id}`, { token: admin2fa })).body.memberships).toHaveLength(2);
  });
});

describe('the token endpoint (RFC 6749 §4.4, errors per §5.2)', () => {
  let client: { id: string; clientId: string; clientSecret: string };
  let personToken: string;
  beforeAll(async () => {
    client = (await createClient({ name: 'Reports app', scopes: ['authz.check'], nodeId: node('South') })).body;
    personToken = admin2fa;
  });

  it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const response = await tokenRequest(basic(client.clientId, `${client.clientSecret}x`));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('answers an unknown client and missing client authentication with 401 invalid_client', async () => {
    expect((await tokenRequest(basic('no-such-client', client.clientSecret))).body.error).toBe('invalid_client');
    const none = await tokenRequest(undefined);
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_client');
  });

  it("refuses a person's access token: as a bearer token, and as the client secret (401)", async () => {
    const asBearer = await tokenRequest(personToken, 'grant_type=client_credentials', 'Bearer');
    expect(asBearer.status).toBe(401);
    expect(asBearer.body.error).toBe('invalid_client');
    const claims = claimsOf(personToken);
    const asSecret = await tokenRequest(basic(claims.client_id, personToken));
    expect(asSecret.status).toBe(401);
    expect(asSecret.body.error).toBe('invalid_client');
    // The API's own app client (people's sign-in) is no integration client, whatever secret is tried.
    expect((await tokenRequest(basic(claims.client_id, client.clientSecret))).status).toBe(401);
  });

  it('answers invalid_request, unsupported_grant_type and invalid_scope with 400', async () => {
    const credentials = basic(client.clientId, client.clientSecret);
    expect((await tokenRequest(credentials, 'scope=trust-access/authz.check')).body.error).toBe('invalid_request');
    expect((await tokenRequest(credentials, 'grant_type=password')).body.error).toBe('unsupported_grant_type');
    const scope = await tokenRequest(credentials, 'grant_type=client_credentials&scope=trust-access/users.read');
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });
});

describe('deleting a client', () => {
  it('stops its live tokens at once (401), refuses new ones, and is audited with the client id', async () => {
    const created = await createClient({ name: 'Old app', scopes: ['authz.check'], nodeId: node('North') });
    const { id, clientId, clientSecret } = created.body;
    const token = await clientToken(created.body);
    expect((await check(token, northTeacher.id)).status).toBe(200);

    expect((await call('DELETE', `/integrations/${id}`, { token: trust.token })).body.code).toBe('mfa_required');
    const deleted = await call('DELETE', `/integrations/${id}`, { token: admin2fa });
    expect(deleted.status).toBe(204);

    const after = await check(token, northTeacher.id);
    expect(after.status).toBe(401);
    expect((await tokenRequest(basic(clientId, clientSecret))).body.error).toBe('invalid_client');
    expect((await call('GET', '/integrations', { token: admin2fa })).body.items.map((i: any) => i.id)).not.toContain(id);
    expect((await call('DELETE', `/integrations/${id}`, { token: admin2fa })).status).toBe(404);

    const records = await auditOf(trust, id);
    expect(records.map((r) => r.action).sort()).toEqual(['integration.created', 'integration.deleted']);
    expect(records.find((r) => r.action === 'integration.created')!.after).toMatchObject({ clientId, scopes: ['authz.check'], nodeId: node('North') });
    expect(records.find((r) => r.action === 'integration.deleted')!.before).toMatchObject({ clientId });
    expect(records.every((r) => r.actorId === trust.adminId)).toBe(true);
  });
});

describe('a node an integration client is bound to (review E, E7b)', () => {
  it('cannot be deleted while the client exists (409 node_in_use, named only to whoever may delete the node); once the client is gone it can', async () => {
    const school = await call('POST', '/nodes', { token: trust.token, body: { parentId: node('North'), name: `App School ${Date.now()}`, kind: 'school' } });
    expect(school.status).toBe(201);
    const client = (await createClient({ name: 'Canteen app', scopes: ['authz.check'], nodeId: school.body.id })).body;
    // A School Admin elsewhere may not delete it, and hears nothing of the client.
    const refusedElsewhere = await call('DELETE', `/nodes/${school.body.id}`, { token: schoolAdmin.token });
    expect(refusedElsewhere.status).toBe(403);
    expect(JSON.stringify(refusedElsewhere.body)).not.toContain('Canteen app');
    const inUse = await call('DELETE', `/nodes/${school.body.id}`, { token: trust.token });
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('node_in_use');
    expect(inUse.body.title).toContain('Canteen app');
    expect((await call('DELETE', `/integrations/${client.id}`, { token: admin2fa })).status).toBe(204);
    expect((await call('DELETE', `/nodes/${school.body.id}`, { token: trust.token })).status).toBe(204);
  });
});

describe('rate limits per client', () => {
  it('answers 429 with Retry-After once the client used its window, and leaves other clients alone', async () => {
    const limited = (await createClient({ name: 'Chatty app', scopes: ['authz.check'], nodeId: node('North'), requestsPerWindow: 3 })).body;
    expect(limited.requestsPerWindow).toBe(3);
    const token = await clientToken(limited);
    // Fixed windows: at most one window boundary can fall inside these few requests, so 2 × limit + 1 must meet a 429.
    let throttled: Awaited<ReturnType<typeof check>> | undefined;
    for (let i = 0; i < 7 && !throttled; i++) {
      const response = await check(token, northTeacher.id);
      if (response.status === 429) throttled = response;
      else expect(response.status).toBe(200);
    }
    expect(throttled?.body.code).toBe('throttled');
    const retryAfter = Number(throttled!.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(limited.rateWindowSeconds);

    const other = (await createClient({ name: 'Quiet app', scopes: ['authz.check'], nodeId: node('North') })).body;
    expect((await check(await clientToken(other), northTeacher.id)).status).toBe(200);
  });
});

// Last: the person placed in both clusters would otherwise show in the North client's view of South in the directory tests above.
describe('a North client asking about a node outside North', () => {
  let token: string;
  beforeAll(async () => {
    token = await clientToken((await createClient({ name: 'Behaviour app (outside nodes)', scopes: ['authz.check'], nodeId: node('North') })).body);
  });

  it('is told a grant inherited from above its node without its via (the assignment is outside its part of the trust; review E, E7a)', async () => {
    const viewer = await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.trustReportViewer, nodeId: trust.rootId }] });
    await activate(trust, viewer as { id: string; email: string });
    const answer = await call('POST', '/authz/check', { token, body: { userId: viewer.id, permission: 'users.view', nodeId: node('North School') } });
    expect(answer.body).toEqual({ allowed: true, reason: 'granted' });
    // A grant at or under its node keeps its via.
    expect((await check(token, northTeacher.id, node('North School'))).body.via).toMatchObject({ nodeId: node('North School') });
  });

  it('gets not_found for a node outside its node, even about a person it may see (no decision, no via, outside its part of the trust)', async () => {
    // A teacher of North School who also teaches at South School: the North client sees them, but not what they may do in South.
    const both = await createUser(trust.token, {
      memberships: [{ nodeId: node('North School') }, { nodeId: node('South School') }],
      roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }, { roleId: presetIds.teacher, nodeId: node('South School') }],
    });
    await activate(trust, both as { id: string; email: string });
    expect((await check(token, both.id, node('North School'))).body).toMatchObject({ allowed: true, reason: 'granted' });
    const outside = await check(token, both.id, node('South School'));
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('not_found');
    // A node id that exists nowhere is answered the same: a client cannot tell which ids are real (review G, G8).
    const madeUp = await check(token, both.id, 'no-such-node');
    expect(madeUp.status).toBe(404);
    expect(madeUp.body).toEqual(outside.body);
    const madeUpBatch = await call('POST', '/authz/batch', { token, body: { checks: [{ userId: both.id, permission: 'classes.view', nodeId: 'no-such-node' }] } });
    expect(madeUpBatch.body.results).toEqual([{ allowed: false, reason: 'no_grant', error: { status: 404, code: 'not_found' } }]);
    expect(JSON.stringify(outside.body)).not.toContain(presetIds.teacher);
    // The same in a batch: only the check outside its node is not_found.
    const batch = await call('POST', '/authz/batch', {
      token,
      body: { checks: [{ userId: both.id, permission: 'classes.view', nodeId: node('South School') }, { userId: both.id, permission: 'classes.view', nodeId: node('North School') }] },
    });
    expect(batch.body.results.map((r: any) => [r.allowed, r.error?.code, r.via])).toEqual([[false, 'not_found', undefined], [true, undefined, expect.anything()]]);
    // A client bound to the trust root may ask about South School.
    const rootClient = (await createClient({ name: 'Trust-wide checks', scopes: ['authz.check'], nodeId: trust.rootId })).body;
    expect((await check(await clientToken(rootClient), both.id, node('South School'))).body).toMatchObject({ allowed: true, reason: 'granted' });
  });
});
