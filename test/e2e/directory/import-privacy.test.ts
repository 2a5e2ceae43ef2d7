import { beforeAll, describe, expect, it } from 'vitest';
import { presetIds } from '../../../domain/access/roles';
import { call } from '../../fixtures/api';
import { applyImport, csv, preview } from '../../fixtures/imports';
import { actor, createUser, uniqueEmail } from '../../fixtures/people';
import { makeTrust, type TestTrust } from '../../fixtures/trust';

/**
 * The import preview is no oracle of which addresses have an account: an
 * address held in another trust, or by someone in this trust outside the
 * importer's reach, previews exactly like a free one (a create). Applying
 * such a row fails it with `email_taken`, the answer POST /users gives for
 * the same address, and no more. Within reach the preview still matches the
 * person (update) and still says `email_taken` for an email moved onto their
 * address. Every preview leaves an audit record.
 */
let trust: TestTrust;
let schoolAdmin: { user: any; token: string };
let foreignEmail: string;
let south: any;
let northA: any;
let northB: any;
const node = (name: string) => trust.nodes[name]!.id;

/** A row as the preview answers it, without what differs between two rows anyway (line, the new id, the echoed cells). */
const shape = (row: any) => ({ action: row.action, errors: row.errors, hasUserId: 'userId' in row, changed: row.changes.map((c: any) => c.field) });

beforeAll(async () => {
  trust = await makeTrust();
  schoolAdmin = await actor(trust, { memberships: [{ nodeId: node('North School') }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: node('North School') }] });
  const other = await makeTrust();
  foreignEmail = (await createUser(other.token, { email: uniqueEmail('foreign') })).email;
  south = await createUser(trust.token, { firstName: 'Sol', lastName: 'South', memberships: [{ nodeId: node('South School') }] });
  northA = await createUser(trust.token, { firstName: 'Ada', lastName: 'North', memberships: [{ nodeId: node('North School') }] });
  northB = await createUser(trust.token, { firstName: 'Bea', lastName: 'North', memberships: [{ nodeId: node('North School') }] });
}, 120_000);

describe('import preview: what an address reveals', () => {
  it('an address in another trust and one outside reach preview exactly like a free address; one in reach is still matched', async () => {
    const header = ['id', 'firstName', 'lastName', 'email', 'userType', 'schools'];
    const response = await preview(schoolAdmin.token, csv([
      header,
      ['', 'Probe', 'One', foreignEmail, 'staff', 'North School'],
      ['', 'Probe', 'Two', south.email, 'staff', 'North School'],
      ['', 'Probe', 'Three', uniqueEmail('free'), 'staff', 'North School'],
      ['', 'Ada', 'Renamed', northA.email, '', 'North School'],
    ]));
    expect(response.status).toBe(200);
    const [foreign, outside, free, inReach] = response.body.rows;
    expect(shape(free)).toEqual({ action: 'create', errors: [], hasUserId: true, changed: expect.arrayContaining(['email']) });
    expect(shape(foreign)).toEqual(shape(free));
    expect(shape(outside)).toEqual(shape(free));
    expect(JSON.stringify(response.body)).not.toContain(south.id);
    // Within reach: the person is found by their address and updated.
    expect(inReach).toMatchObject({ action: 'update', userId: northA.id, errors: [] });
    expect(response.body.summary).toEqual({ create: 3, update: 1, unchanged: 0, error: 0 });
  });

  it("an email moved onto an address outside reach is planned; onto an address in reach it is still email_taken", async () => {
    const header = ['id', 'firstName', 'lastName', 'email'];
    const response = await preview(schoolAdmin.token, csv([
      header,
      [northA.id, northA.firstName, northA.lastName, south.email],
      [northB.id, northB.firstName, northB.lastName, northA.email],
    ]));
    const [ontoOutside, ontoInReach] = response.body.rows;
    expect(ontoOutside).toMatchObject({ action: 'update', userId: northA.id, errors: [] });
    expect(ontoInReach).toMatchObject({ action: 'error', errors: [{ column: 'email', code: 'email_taken' }] });
  });

  it('applying fails those rows with email_taken, what POST /users answers for the same address, and changes nobody', async () => {
    const fresh = uniqueEmail('fresh');
    const southToo = await createUser(trust.token, { memberships: [{ nodeId: node('South School') }] });
    const plan = await preview(schoolAdmin.token, csv([
      ['id', 'firstName', 'lastName', 'email', 'userType', 'schools'],
      ['', 'Probe', 'One', foreignEmail, 'staff', 'North School'],
      ['', 'Probe', 'Two', south.email, 'staff', 'North School'],
      ['', 'Fresh', 'Person', fresh, 'staff', 'North School'],
      [northB.id, northB.firstName, northB.lastName, southToo.email, '', 'North School'],
    ]));
    expect(plan.body.summary).toEqual({ create: 3, update: 1, unchanged: 0, error: 0 });
    const done = await applyImport(schoolAdmin.token, plan.body.planId);
    expect(done).toMatchObject({ status: 'done', created: 1, updated: 0, failed: 3 });
    expect(done.rows.map((r: any) => [r.line, r.ok, r.error ?? null])).toEqual([[2, false, 'email_taken'], [3, false, 'email_taken'], [4, true, null], [5, false, 'email_taken']]);
    // Nothing about the owner: no id of theirs in the rows of a create.
    expect(done.rows[0]).not.toHaveProperty('userId');
    expect(done.rows[1]).not.toHaveProperty('userId');
    // The single route says the same, no more.
    for (const email of [foreignEmail, south.email, southToo.email]) {
      const single = await call('POST', '/users', { token: schoolAdmin.token, body: { firstName: 'P', lastName: 'Q', email, userType: 'staff', memberships: [{ nodeId: node('North School') }] } });
      expect(single).toMatchObject({ status: 409, body: { code: 'email_taken' } });
    }
    expect((await call('GET', `/users/${south.id}`, { token: trust.token })).body).toMatchObject({ firstName: 'Sol', version: south.version });
    expect((await call('GET', `/users/${northB.id}`, { token: trust.token })).body).toMatchObject({ email: northB.email, version: northB.version });
  });

  it('writes one audit record per preview: who, and how many rows', async () => {
    const rows = [['firstName', 'lastName', 'email', 'userType', 'schools'], ...Array.from({ length: 7 }, (_, i) => ['P', `R${i}`, uniqueEmail('count'), 'staff', 'North School'])];
    const response = await preview(schoolAdmin.token, csv(rows));
    expect(response.status).toBe(200);
    const audit = await call('GET', `/audit?actorId=${schoolAdmin.user.id}&limit=200`, { token: trust.token });
    const previews = audit.body.items.filter((r: any) => r.action === 'users.import_previewed' && r.targetId === response.body.planId);
    expect(previews).toEqual([expect.objectContaining({ actorId: schoolAdmin.user.id, targetType: 'import-plan', after: { rows: 7, summary: { create: 7, update: 0, unchanged: 0, error: 0 } } })]);
  });
});
