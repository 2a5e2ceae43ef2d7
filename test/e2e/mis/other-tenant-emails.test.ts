import { describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { onerosterBundle } from '../../fixtures/oneroster';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust } from '../../fixtures/trust';
import { waitForRun } from './authority-cases';

/**
 * Review I, I3: an MIS run never tells which addresses have an account in
 * another trust. A roster naming them is planned as creates (a dry run shows
 * them as such, as the CSV import's preview does) and fails those rows at
 * apply with `email_taken`, creating nothing and touching nothing of the
 * other trust; an address of this trust's own accounts is still `email_taken`
 * at planning.
 */
describe('MIS rosters naming addresses of another trust (review I, I3)', () => {
  it('plans them as creates in a dry run, then fails only those rows at apply, without touching the other trust', async () => {
    const [trustA, trustB] = await Promise.all([makeTrust(), makeTrust()]);
    const [elsewhere, ownHandMade] = await Promise.all([
      createUser(trustB.token, { email: uniqueEmail('other-tenant') }),
      createUser(trustA.token, { email: uniqueEmail('hand-made'), memberships: [{ nodeId: trustA.nodes['South School']!.id }] }),
    ]);
    const fresh = uniqueEmail('nobody-yet');
    const north = trustA.nodes.North!.id;
    const school = trustA.nodes['North School']!.id;
    const cluster = await actor(trustA, { memberships: [{ nodeId: north }], roles: [{ roleId: presetIds.clusterAdministrator, nodeId: north }] });
    expect((await call('PUT', `/nodes/${school}/mis`, { token: cluster.token, body: { enabled: false, orgSourcedId: 'org-n', roleMap: {} } })).status).toBe(200);
    const people = [
      { sourcedId: 'p1', givenName: 'A', familyName: 'One', email: elsewhere.email, role: 'teacher' },
      { sourcedId: 'p2', givenName: 'B', familyName: 'Two', email: trustB.adminEmail, role: 'teacher' },
      { sourcedId: 'p3', givenName: 'C', familyName: 'Three', email: fresh, role: 'teacher' },
      { sourcedId: 'p4', givenName: 'D', familyName: 'Four', email: ownHandMade.email, role: 'teacher' },
    ];
    const upload = await call('PUT', `/nodes/${school}/mis/roster`, {
      token: cluster.token, rawBody: onerosterBundle({ org: { sourcedId: 'org-n', name: 'N' }, people }), headers: { 'content-type': 'application/zip' },
    });
    expect(upload.status).toBe(202);

    const dry = await call('POST', `/nodes/${school}/mis/runs`, { token: cluster.token, body: { dryRun: true } });
    expect(dry.status).toBe(202);
    const planned = await waitForRun(dry.body.runId, cluster.token);
    // Another trust's addresses read exactly like a free one; this trust's own account is still refused at planning.
    expect(planned).toMatchObject({ status: 'done', dryRun: true, created: 3 });
    expect(planned.errors).toEqual([expect.objectContaining({ sourcedId: 'p4', code: 'email_taken' })]);

    const real = await call('POST', `/nodes/${school}/mis/runs`, { token: cluster.token, body: {} });
    expect(real.status).toBe(202);
    const applied = await waitForRun(real.body.runId, cluster.token);
    expect(applied.created).toBe(1);
    expect(applied.errors.map((e: { sourcedId: string; code: string }) => [e.sourcedId, e.code]).sort()).toEqual([['p1', 'email_taken'], ['p2', 'email_taken'], ['p4', 'email_taken']]);
    // Only the free address became an account of trust A; trust B's people are as they were.
    const listed = (await call('GET', `/users?nodeId=${school}`, { token: trustA.token })).body.items.map((u: { email: string }) => u.email);
    expect(listed).toContain(fresh);
    expect(listed).not.toContain(elsewhere.email);
    const theirs = await call('GET', `/users/${elsewhere.id}`, { token: trustB.token });
    expect(theirs.body).toMatchObject({ email: elsewhere.email, firstName: elsewhere.firstName, version: elsewhere.version });
  });
});
