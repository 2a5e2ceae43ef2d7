import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { presetIds } from '../../domain/access/roles';
import { documentClient } from '../../functions/adapters/dynamo/client';
import { MAX_LISTING_ROLES } from '../../functions/roles/delete-role';
import { handler as putAccessMatrix, MAX_MATRIX_CHANGES } from '../../functions/roles/put-access-matrix';
import { MAX_NEW_PERSON_MEMBERSHIPS, MAX_NEW_PERSON_ROLES } from '../../functions/users/user.schema';
import { call } from '../fixtures/api';
import { httpEvent, lambdaContext } from '../fixtures/events';
import { createUser, userBody } from '../fixtures/people';
import { makeTrust, type TestTrust } from '../fixtures/trust';

/**
 * DynamoDB takes at most 100 items in one TransactWriteItems. Each request
 * that writes many items either refuses input over its documented maximum
 * with a 400 naming the field, or stays small by design; none becomes a 500.
 */
let trust: TestTrust;
const schools = Array.from({ length: 16 }, (_, i) => ({ kind: 'school' as const, name: `School ${i}` }));
const school = (i: number) => trust.nodes[`School ${i}`]!.id;

beforeAll(async () => {
  trust = await makeTrust(schools);
});

describe('POST /users at the limits of one transaction', () => {
  it(`creates a person with ${MAX_NEW_PERSON_MEMBERSHIPS} placements and ${MAX_NEW_PERSON_ROLES} roles in one go`, async () => {
    const memberships = Array.from({ length: MAX_NEW_PERSON_MEMBERSHIPS }, (_, i) => ({ nodeId: school(i), primary: i === 0 }));
    const roles = Array.from({ length: MAX_NEW_PERSON_ROLES }, (_, i) => ({ roleId: i < 10 ? presetIds.teacher : presetIds.staff, nodeId: school(i) }));
    const created = await call('POST', '/users', { token: trust.token, body: userBody({ memberships, roles }) });
    expect(created.status).toBe(201);
    expect(created.body.memberships).toHaveLength(MAX_NEW_PERSON_MEMBERSHIPS);
    expect(created.body.roles).toHaveLength(MAX_NEW_PERSON_ROLES);
  });

  it('answers 400 naming memberships or roles when a request asks for more', async () => {
    const memberships = Array.from({ length: MAX_NEW_PERSON_MEMBERSHIPS + 1 }, (_, i) => ({ nodeId: school(i) }));
    const tooManyPlaces = await call('POST', '/users', { token: trust.token, body: userBody({ memberships }) });
    expect(tooManyPlaces.status).toBe(400);
    expect(tooManyPlaces.body.errors.map((e: any) => e.path)).toContain('memberships');
    const roles = Array.from({ length: MAX_NEW_PERSON_ROLES + 1 }, (_, i) => ({ roleId: presetIds.teacher, nodeId: school(i) }));
    const tooManyRoles = await call('POST', '/users', { token: trust.token, body: userBody({ roles }) });
    expect(tooManyRoles.status).toBe(400);
    expect(tooManyRoles.body.errors.map((e: any) => e.path)).toContain('roles');
  });
});

describe('roles at the limits of one transaction', () => {
  let custom: { id: string; version: number }[];

  beforeAll(async () => {
    custom = [];
    for (let i = 0; i < MAX_MATRIX_CHANGES + 1; i++) {
      const created = await call('POST', '/roles', { token: trust.token, body: { name: `Matrix role ${i}`, permissions: ['users.view'] } });
      expect(created.status).toBe(201);
      custom.push(created.body);
    }
  });

  const matrixVersion = async () => (await call('GET', '/access-matrix', { token: trust.token })).body.version as string;

  it(`answers 400 too_many_changes naming grants when PUT /access-matrix changes more than ${MAX_MATRIX_CHANGES} roles, and changes nothing`, async () => {
    const grants = Object.fromEntries(custom.map((role) => [role.id, ['users.view', 'classes.view']]));
    const refused = await call('PUT', '/access-matrix', { token: trust.token, body: { grants }, headers: { 'if-match': await matrixVersion() } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('too_many_changes');
    expect(refused.body.errors[0].path).toBe('grants');
    const roles = (await call('GET', '/roles', { token: trust.token })).body.items as { id: string; permissions: string[] }[];
    expect(roles.filter((r) => custom.some((c) => c.id === r.id)).every((r) => r.permissions.join() === 'users.view')).toBe(true);
  });

  it(`changes ${MAX_MATRIX_CHANGES} roles at once, all or nothing`, async () => {
    const grants = Object.fromEntries(custom.slice(0, MAX_MATRIX_CHANGES).map((role) => [role.id, ['users.view', 'classes.view']]));
    const done = await call('PUT', '/access-matrix', { token: trust.token, body: { grants }, headers: { 'if-match': await matrixVersion() } });
    expect(done.status).toBe(200);
    expect(done.body.changed).toBe(MAX_MATRIX_CHANGES);
  });

  it('reads the holders of the roles it widens, and of no role it only narrows', async () => {
    const [widen, narrow] = [custom[0]!, custom[1]!];
    await createUser(trust.token, { roles: [{ roleId: narrow.id, nodeId: school(0) }, { roleId: widen.id, nodeId: school(0) }] });
    const admin = JSON.parse(Buffer.from(trust.token.split('.')[1]!, 'base64url').toString()) as { sub: string; auth_time: number };
    const send = vi.spyOn(documentClient(), 'send');
    const response = await putAccessMatrix(
      httpEvent({
        method: 'PUT', path: '/access-matrix', sub: admin.sub, authTime: admin.auth_time, headers: { 'if-match': await matrixVersion() },
        body: { grants: { [widen.id]: ['users.view', 'classes.view', 'reports.view'], [narrow.id]: ['users.view'] } },
      }),
      lambdaContext(),
    );
    const holderReads = send.mock.calls
      .map(([c]) => c as unknown)
      .filter((c): c is QueryCommand => c instanceof QueryCommand && c.input.IndexName === 'gsi2')
      .map((c) => c.input.ExpressionAttributeValues?.[':pk']);
    send.mockRestore();
    expect(response.statusCode).toBe(200);
    expect(holderReads).toEqual([`TRUST#${trust.trustId}#ROLE#${widen.id}`]);
  });

  it('answers 409 in_use when deleting a role people hold, whatever their number, and 204 once nobody does', async () => {
    const role = (await call('POST', '/roles', { token: trust.token, body: { name: 'Widely held', permissions: ['users.view'] } })).body;
    const holders = await Promise.all(Array.from({ length: 3 }, (_, i) => createUser(trust.token, { roles: [{ roleId: role.id, nodeId: school(i) }] })));
    const refused = await call('DELETE', `/roles/${role.id}`, { token: trust.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('in_use');
    for (const holder of holders) expect((await call('DELETE', `/users/${holder.id}/roles/${holder.roles[0].id}`, { token: trust.token })).status).toBe(204);
    expect((await call('DELETE', `/roles/${role.id}`, { token: trust.token })).status).toBe(204);
  });

  it(`refuses (409 too_many_references) to delete a role more than ${MAX_LISTING_ROLES} roles list as assignable, and trims ${MAX_LISTING_ROLES} in the same transaction`, async () => {
    const target = (await call('POST', '/roles', { token: trust.token, body: { name: 'Often listed', permissions: ['users.view'] } })).body;
    const current = ((await call('GET', '/roles', { token: trust.token })).body.items as { id: string; version: number }[]).filter((r) => custom.some((c) => c.id === r.id));
    for (const role of current) {
      const listed = await call('PATCH', `/roles/${role.id}`, { token: trust.token, body: { assignableRoles: [target.id] }, headers: { 'if-match': String(role.version) } });
      expect(listed.status).toBe(200);
    }
    const refused = await call('DELETE', `/roles/${target.id}`, { token: trust.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('too_many_references');
    const one = (await call('GET', '/roles', { token: trust.token })).body.items.find((r: { id: string }) => r.id === current[0]!.id);
    expect((await call('PATCH', `/roles/${one.id}`, { token: trust.token, body: { assignableRoles: [] }, headers: { 'if-match': String(one.version) } })).status).toBe(200);
    expect((await call('DELETE', `/roles/${target.id}`, { token: trust.token })).status).toBe(204);
    const after = (await call('GET', '/roles', { token: trust.token })).body.items as { id: string; assignableRoles: string[] }[];
    expect(after.some((r) => r.assignableRoles.includes(target.id))).toBe(false);
  });
});
