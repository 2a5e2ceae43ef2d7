import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dominationGap } from '../../../domain/access/delegation';
import type { Assignment, Person } from '../../../domain/access/resolve';
import { presetIds, rolesById, type Role } from '../../../domain/access/roles';
import { buildTree, type OrgNode } from '../../../domain/org/tree';
import { call } from '../../fixtures/api';
import { signInWithTotp, turnOnTotp } from '../../fixtures/identity';
import { activate, createUser, type NewUser } from '../../fixtures/people';
import { makeTrust, TEST_PASSWORD, type TestTrust } from '../../fixtures/trust';

/**
 * Issue 7's proof as a property over HTTP. A School Admin of North School
 * (the attacker, who reads mail at @attacker.example) makes random calls
 * that change people, roles, nodes and links: email changes to addresses it
 * controls, password resets, invitations, deactivate/activate/unlock, 2FA
 * resets, role grants to others and to itself, placements, child links,
 * node moves, and new accounts of its own. After every call:
 * - every account whose sign-in email the attacker controls is one the
 *   attacker dominates (it could hand out every role the account holds), so
 *   no sequence lets it sign in as someone more senior;
 * - the attacker holds exactly the roles it started with, so no sequence lets
 *   it act with permissions nobody gave it.
 */
describe('property: a school admin never ends up signing in as, or acting as, someone it does not dominate', () => {
  let trust: TestTrust;
  let attacker: { id: string; token: string };
  let attackerRoles: Assignment[];
  const accounts: string[] = [];
  const node = (name: string) => trust.nodes[name]!.id;
  const attackerMail = () => `a-${randomUUID().slice(0, 8)}@attacker.example`;
  const asAdmin = async (path: string) => (await call('GET', path, { token: trust.token })).body;

  beforeAll(async () => {
    trust = await makeTrust();
    const secret = await turnOnTotp(trust.token);
    const admin2fa = await signInWithTotp(trust.adminEmail, TEST_PASSWORD, secret);
    const north = node('North School');
    const victim = async (input: NewUser) => {
      const user = await createUser(admin2fa, { email: `v-${randomUUID().slice(0, 8)}@victim.example`, memberships: [{ nodeId: north, primary: true }], ...input });
      await activate(trust, user);
      accounts.push(user.id);
    };
    await victim({ roles: [{ roleId: presetIds.headTeacher, nodeId: north }] });
    await victim({ roles: [{ roleId: presetIds.designatedSafeguardingLead, nodeId: north }] });
    await victim({ roles: [{ roleId: presetIds.clusterAdministrator, nodeId: node('North') }], memberships: [{ nodeId: node('North'), primary: true }] });
    await victim({ roles: [{ roleId: presetIds.teacher, nodeId: north }, { roleId: presetIds.teacher, nodeId: node('South School') }] });
    await victim({ roles: [{ roleId: presetIds.teacher, nodeId: north }] });
    await victim({ userType: 'parent', roles: [{ roleId: presetIds.parent, nodeId: north }] });
    const email = attackerMail();
    const user = await createUser(trust.token, { email, memberships: [{ nodeId: north, primary: true }], roles: [{ roleId: presetIds.schoolAdmin, nodeId: north }] });
    attacker = { id: user.id, token: await activate(trust, user) };
    attackerRoles = user.roles;
    accounts.push(user.id);
  }, 120_000);

  /** The trust as the trust admin reads it: tree, roles, and the attacker as a Person. */
  async function model() {
    const nodes = (await asAdmin('/nodes')).items as OrgNode[];
    const roles = rolesById((await asAdmin('/roles')).items as Role[]);
    const tree = buildTree(trust.rootId, 0, nodes.map((n) => ({ ...n, version: 1 })));
    return { tree, roles };
  }

  async function assertNoTakeover(step: string) {
    const { tree, roles } = await model();
    const attackerNow = await asAdmin(`/users/${attacker.id}`);
    expect(attackerNow.roles.map((r: Assignment) => r.id).sort(), `${step}: the attacker's own roles changed`).toEqual(attackerRoles.map((r) => r.id).sort());
    const caller: Person = { id: attacker.id, status: 'active', userType: 'staff', mfaEnabled: false, assignments: attackerRoles, memberships: [], blocks: [], children: [] };
    for (const id of accounts) {
      const account = await asAdmin(`/users/${id}`);
      if (!String(account.email).endsWith('@attacker.example') || id === attacker.id) continue;
      const gap = dominationGap({ tree, roles, caller, callerMfa: false, target: { id, assignments: account.roles }, now: new Date() });
      expect(gap, `${step}: the attacker controls the sign-in of ${id} (${account.roles.map((r: Assignment) => r.roleId).join(', ')})`).toBeNull();
    }
  }

  it('holds for random sequences of calls', async () => {
    const presets = Object.values(presetIds);
    const nodeNames = ['North School', 'Sub School', 'North', 'South School', 'South', 'North Sub'];
    const step = fc.record({
      // Weighted towards the calls that move a sign-in, so a run of a few seconds tries each on every kind of target.
      kind: fc.constantFrom('email', 'email', 'email', 'reset', 'reset', 'invite', 'deactivate', 'activate', 'unlock', 'mfaReset', 'mfaReset', 'grant', 'grantSelf', 'create', 'place', 'placeSelf', 'linkSelf', 'move'),
      target: fc.nat({ max: 20 }),
      role: fc.constantFrom(...presets),
      node: fc.constantFrom(...nodeNames),
    });
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const s of steps) {
          const token = attacker.token;
          const targetId = accounts[s.target % accounts.length]!;
          const nodeId = node(s.node);
          let response;
          switch (s.kind) {
            case 'email': {
              const target = await asAdmin(`/users/${targetId}`);
              response = await call('PATCH', `/users/${targetId}`, { token, body: { email: attackerMail() }, headers: { 'if-match': `"${target.version}"` } });
              break;
            }
            case 'reset': response = await call('POST', `/users/${targetId}/password-reset`, { token }); break;
            case 'invite': response = await call('POST', `/users/${targetId}/invitation`, { token }); break;
            case 'deactivate': response = await call('POST', `/users/${targetId}/deactivate`, { token }); break;
            case 'activate': response = await call('POST', `/users/${targetId}/activate`, { token }); break;
            case 'unlock': response = await call('POST', `/users/${targetId}/unlock`, { token }); break;
            case 'mfaReset': response = await call('POST', `/users/${targetId}/mfa/reset`, { token }); break;
            case 'grant': response = await call('POST', `/users/${targetId}/roles`, { token, body: { roleId: s.role, nodeId } }); break;
            case 'grantSelf': response = await call('POST', `/users/${attacker.id}/roles`, { token, body: { roleId: s.role, nodeId } }); break;
            case 'create':
              response = await call('POST', '/users', { token, body: { firstName: 'Sock', lastName: 'Puppet', email: attackerMail(), userType: 'staff', memberships: [{ nodeId }], roles: [{ roleId: s.role, nodeId }] } });
              if (response.status === 201) accounts.push(response.body.id);
              break;
            case 'place': response = await call('PUT', `/users/${targetId}/memberships/${nodeId}`, { token, body: { isManager: true } }); break;
            case 'placeSelf': response = await call('PUT', `/users/${attacker.id}/memberships/${nodeId}`, { token, body: {} }); break;
            case 'linkSelf': response = await call('PUT', `/users/${attacker.id}/children/pupil-${s.target}`, { token, body: { schoolId: node('North School') } }); break;
            case 'move': {
              const current = (await asAdmin('/nodes')).items.find((n: OrgNode) => n.id === node('North School'));
              response = await call('PATCH', `/nodes/${current.id}`, { token, body: { parentId: nodeId }, headers: { 'if-match': `"${current.version}"` } });
              break;
            }
          }
          expect(response.status, `${s.kind}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
          const key = `${s.kind} ${response.status < 300 ? 'ok' : response.status}`;
          tally[key] = (tally[key] ?? 0) + 1;
          await assertNoTakeover(`${s.kind} → ${response.status}`);
        }
      }),
      { numRuns: 20 },
    );
    // The walk must have reached both outcomes: some calls allowed (on people the attacker dominates), many refused.
    expect(Object.keys(tally).some((k) => k.endsWith(' ok'))).toBe(true);
    expect(Object.keys(tally).some((k) => k.endsWith(' 403'))).toBe(true);
  }, 240_000);
});
