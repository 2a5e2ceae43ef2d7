import { randomUUID } from 'node:crypto';
import type { Account } from '../../domain/identity/account';
import type { NewTrustPlan } from '../../domain/org/new-trust';
import type { PersonOp } from '../../functions/adapters/dynamo/person-writes';
import { demoPeople, demoTrust } from './demo-trust';

/**
 * Seeds an empty store: the demo trust (tree, admin with Trust Admin) and a
 * few active people placed in it with preset roles, all with the demo password.
 */
export async function seedDemoTrust(password: string): Promise<NewTrustPlan> {
  const { createTrust } = await import('../../functions/trusts/create-trust');
  const { createCognitoUser, setPermanentPassword } = await import('../../functions/adapters/cognito/user-pool');
  const { writeNewPerson } = await import('../../functions/adapters/dynamo/person-writes');
  const plan = await createTrust({ ...demoTrust, adminPassword: password });
  const byName = new Map([plan.root, ...plan.children].map((node) => [node.name, node]));
  const base = Date.now();
  for (const [i, person] of demoPeople.entries()) {
    // One millisecond apart: placement order decides the managers line.
    const now = new Date(base + i).toISOString();
    const cognitoUsername = await createCognitoUser(person.email);
    await setPermanentPassword(cognitoUsername, password);
    const nodeId = byName.get(person.place)!.id;
    const account: Account = {
      id: randomUUID(), trustId: plan.trust.id, email: person.email, firstName: person.firstName, lastName: person.lastName,
      userType: person.userType, status: 'active', source: 'manual', cognitoUsername, sessionsValidAfter: 0,
      mfaEnabled: false, edited: false, version: 1, createdAt: now, updatedAt: now,
    };
    const ops: PersonOp[] = [
      { type: 'putMembership', membership: { nodeId, primary: true, isManager: person.isManager, ...(person.jobTitle ? { jobTitle: person.jobTitle } : {}) }, createdAt: now, isNew: true },
      { type: 'putAssignment', assignment: { id: randomUUID(), roleId: person.role, nodeId }, customRole: false },
      ...('child' in person ? [{ type: 'putChild' as const, link: { subjectId: person.child, schoolId: nodeId }, createdAt: now, replaces: null }] : []),
    ];
    await writeNewPerson(account, ops, []);
  }
  return plan;
}
