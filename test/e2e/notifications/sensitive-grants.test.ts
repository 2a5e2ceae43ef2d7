import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { securityTitles } from '../../fixtures/notifications';
import { applyImport, csv, preview } from '../../fixtures/imports';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Every path that gives someone a role with sensitive permissions tells the
 * admins who may unlock people there (account_security), as POST
 * /users/{id}/roles always did: bulk edit, the CSV import, POST /users with
 * roles, and a role edit that adds sensitive permissions to a held role.
 * Once per person (and node), never for a role without sensitive permissions.
 */
let trust: TestTrust;
let admin2fa: string;
let schoolAdmin: { token: string };
let otherSchoolAdmin: { token: string };
const node = (name: string) => trust.nodes[name]!.id;

const aboutPerson = async (token: string, name: string) => (await securityTitles(token)).filter((t) => t.startsWith(`${name}: `));


beforeAll(async () => {
  trust = await makeTrust();
  admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, await turnOnTotp(trust.token));
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
  otherSchoolAdmin = await actor(trust, { memberships: [{ nodeId: node('South School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('South School') }] });
}, 120_000);

describe('sensitive grants raise account_security on every grant path', () => {
  it('bulk edit: one event per person given sensitive roles (two roles, one event), none for a Teacher grant or a dry run', async () => {
    const north = { memberships: [{ nodeId: node('North School') }] };
    const ann = await createUser(trust.token, { firstName: 'Ann', lastName: 'Bulk', ...north });
    const ben = await createUser(trust.token, { firstName: 'Ben', lastName: 'Bulk', ...north });
    const tim = await createUser(trust.token, { firstName: 'Tim', lastName: 'Teacher', ...north });
    const dry = await createUser(trust.token, { firstName: 'Dee', lastName: 'DryRun', ...north });
    const bulk = await call('POST', '/users/bulk', {
      token: admin2fa,
      body: {
        userIds: [ann.id, ben.id],
        actions: [
          { op: 'addRole', roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') },
          { op: 'addRole', roleId: presetIds.headTeacher, nodeId: node('North School') },
        ],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ applied: 2, failed: 0 });
    const teacher = await call('POST', '/users/bulk', { token: admin2fa, body: { userIds: [tim.id], actions: [{ op: 'addRole', roleId: presetIds.teacher, nodeId: node('North School') }] } });
    expect(teacher.body).toMatchObject({ applied: 1 });
    const dryRun = await call('POST', '/users/bulk', { token: admin2fa, body: { dryRun: true, userIds: [dry.id], actions: [{ op: 'addRole', roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') }] } });
    expect(dryRun.body).toMatchObject({ dryRun: true, applied: 1 });

    for (const name of ['Ann Bulk', 'Ben Bulk']) {
      const titles = await aboutPerson(schoolAdmin.token, name);
      expect(titles, name).toHaveLength(1);
      expect(titles[0]).toMatch(/^.+: given Designated Safeguarding Lead, Head Teacher \(sensitive permissions\) by .+ \(bulk edit\)$/);
    }
    expect(await aboutPerson(schoolAdmin.token, 'Tim Teacher')).toEqual([]);
    expect(await aboutPerson(schoolAdmin.token, 'Dee DryRun')).toEqual([]);
    // Only where the grant was given: another school's admin hears nothing.
    expect(await aboutPerson(otherSchoolAdmin.token, 'Ann Bulk')).toEqual([]);
  });

  it('POST /users with a sensitive role raises it; with a Teacher role it does not', async () => {
    const lead = await call('POST', '/users', {
      token: admin2fa,
      body: { firstName: 'Nia', lastName: 'NewLead', email: uniqueEmail('newlead'), userType: 'staff', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: node('North School') }] },
    });
    expect(lead.status).toBe(201);
    const plain = await call('POST', '/users', {
      token: admin2fa,
      body: { firstName: 'Pat', lastName: 'NewTeacher', email: uniqueEmail('newteacher'), userType: 'staff', memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.teacher, nodeId: node('North School') }] },
    });
    expect(plain.status).toBe(201);
    const titles = await aboutPerson(schoolAdmin.token, 'Nia NewLead');
    expect(titles).toHaveLength(1);
    expect(titles[0]).toContain('given Designated Safeguarding Lead (sensitive permissions)');
    expect(await aboutPerson(schoolAdmin.token, 'Pat NewTeacher')).toEqual([]);
  });

  it('CSV import: a new row and an updated row given DSL each raise one event once applied; a Teacher row raises none', async () => {
    const existing = await createUser(trust.token, { firstName: 'Uma', lastName: 'Updated', memberships: [{ nodeId: node('North School') }] });
    const file = csv([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools', 'roles'],
      ['', 'Cal', 'Created', uniqueEmail('imported'), 'staff', 'North School', 'Designated Safeguarding Lead@North School'],
      [existing.id, 'Uma', 'Updated', existing.email, '', 'North School', 'Designated Safeguarding Lead@North School'],
      ['', 'Tom', 'Imported', uniqueEmail('imported-teacher'), 'staff', 'North School', 'Teacher@North School'],
    ]);
    const plan = await preview(admin2fa, file);
    expect(plan.status).toBe(200);
    expect(plan.body.summary).toEqual({ create: 2, update: 1, unchanged: 0, error: 0 });
    // A preview grants nothing, so it tells nobody.
    expect(await aboutPerson(schoolAdmin.token, 'Cal Created')).toEqual([]);
    const done = await applyImport(admin2fa, plan.body.planId);
    expect(done).toMatchObject({ status: 'done', created: 2, updated: 1, failed: 0 });
    for (const name of ['Cal Created', 'Uma Updated']) {
      const titles = await aboutPerson(schoolAdmin.token, name);
      expect(titles, name).toHaveLength(1);
      expect(titles[0]).toContain('given Designated Safeguarding Lead (sensitive permissions)');
      expect(titles[0]).toContain('(CSV import)');
    }
    expect(await aboutPerson(schoolAdmin.token, 'Tom Imported')).toEqual([]);
  });

  it("a held custom role gaining a sensitive permission tells the trust's admins once (not per holder); a non-sensitive widening does not", async () => {
    const role = await call('POST', '/roles', { token: admin2fa, body: { name: 'Pastoral Helper', scope: 'school', permissions: ['users.view'] } });
    expect(role.status).toBe(201);
    for (const school of ['North School', 'South School']) {
      await createUser(trust.token, { memberships: [{ nodeId: node(school) }], roles: [{ roleId: role.body.id, nodeId: node(school) }] });
    }
    const plain = await call('PATCH', `/roles/${role.body.id}`, { token: admin2fa, headers: { 'if-match': `"${role.body.version}"` }, body: { permissions: ['users.view', 'pastoral.view'] } });
    expect(plain.status).toBe(200);
    const widened = await call('PATCH', `/roles/${plain.body.id}`, {
      token: admin2fa, headers: { 'if-match': `"${plain.body.version}"` }, body: { permissions: ['users.view', 'pastoral.view', 'safeguarding.child_protection.view'] },
    });
    expect(widened.status).toBe(200);
    const titles = (await securityTitles(admin2fa)).filter((t) => t.startsWith('Role Pastoral Helper'));
    expect(titles).toEqual([expect.stringMatching(/^Role Pastoral Helper now carries safeguarding\.child_protection\.view \(sensitive permissions\) for everyone holding it \(2 assignments\); changed by /)]);
    // One event at the trust for the role, not one per holder at each school.
    expect((await securityTitles(schoolAdmin.token)).filter((t) => t.includes('Pastoral Helper'))).toEqual([]);
  });

  it('PUT /access-matrix adding a sensitive permission to a held role raises one event for it', async () => {
    const role = await call('POST', '/roles', { token: admin2fa, body: { name: 'Matrix Helper', scope: 'school', permissions: ['users.view'] } });
    expect(role.status).toBe(201);
    await createUser(trust.token, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: role.body.id, nodeId: node('North School') }] });
    const matrix = await call('GET', '/access-matrix', { token: admin2fa });
    const put = await call('PUT', '/access-matrix', {
      token: admin2fa, headers: { 'if-match': `"${matrix.body.version}"` },
      body: { grants: { [role.body.id]: ['users.view', 'safeguarding.child_protection.view'] } },
    });
    expect(put.status).toBe(200);
    const titles = (await securityTitles(admin2fa)).filter((t) => t.startsWith('Role Matrix Helper'));
    expect(titles).toEqual([expect.stringContaining('now carries safeguarding.child_protection.view (sensitive permissions) for everyone holding it (1 assignment)')]);
  });
});
