import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Account } from '../domain/identity/account';
import type { TreeSeed } from '../domain/org/new-trust';
import { startLocalStack } from '../infra/local/stack';
import type { BenchResult } from './results';

const PORTS = { port: 3961, dynamoPort: 3962, cognitoPort: 3963, sesPort: 3964 };
const PASSWORD = 'Bench-Password-123';
const PEOPLE = 500;

/**
 * POST /users/bulk with 500 people over HTTP on the local stack, in this
 * process so the DynamoDB calls can be counted: a grant and a placement at
 * one school (every person's transaction touches that school's counter and
 * the trust's version: the contended case), the same request again (all
 * `changed: false`), a dry run of deactivation, and the deactivation itself
 * (its Cognito calls included; the people are real cognito-local users).
 */
export async function benchBulk(): Promise<BenchResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-bulk-bench-'));
  const stack = await startLocalStack({ stateDir, ...PORTS, region: 'eu-west-2', tableName: 'trust-access', demoAdminPassword: PASSWORD });
  try {
    const { createTrust } = await import('../functions/trusts/create-trust');
    const { writeNewPerson } = await import('../functions/adapters/dynamo/person-writes');
    const { createCognitoUser } = await import('../functions/adapters/cognito/user-pool');
    const { documentClient } = await import('../functions/adapters/dynamo/client');
    const { BULK_CONCURRENCY } = await import('../functions/users/bulk-edit');

    const tree: TreeSeed[] = [{ kind: 'cluster', name: 'C' }, { kind: 'school', name: 'A', parent: 'C' }, { kind: 'school', name: 'B', parent: 'C' }];
    const adminEmail = `bench-${randomUUID()}@bench.example`;
    const plan = await createTrust({ name: 'Bulk Bench Trust', adminEmail, adminFirstName: 'Bench', adminLastName: 'Admin', adminPassword: PASSWORD, tree });
    const [schoolA, schoolB] = ['A', 'B'].map((name) => plan.children.find((n) => n.name === name)!);
    const now = new Date().toISOString();
    const seedStarted = performance.now();
    const userIds: string[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const id = randomUUID();
      const email = `p${i}-${id}@bench.example`;
      const account: Account = {
        id, trustId: plan.trust.id, email, firstName: 'P', lastName: String(i), userType: 'staff', status: 'active', acceptedAt: now,
        source: 'manual', cognitoUsername: await createCognitoUser(email), sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: now, updatedAt: now,
      };
      await writeNewPerson(account, [{ type: 'putMembership', membership: { nodeId: schoolA!.id, primary: true, isManager: false }, createdAt: now, isNew: true }], []);
      userIds.push(id);
    }
    console.log(`seeded ${PEOPLE} people in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const url = stack.info.url;
    const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: PASSWORD }) });
    const { accessToken } = (await login.json()) as { accessToken: string };

    const client = documentClient();
    const originalSend = client.send.bind(client);
    let calls = 0;
    client.send = ((command: never, ...rest: never[]) => {
      calls++;
      return originalSend(command, ...rest);
    }) as typeof client.send;

    const run = async (actions: unknown[], dryRun = false) => {
      calls = 0;
      const started = performance.now();
      const response = await fetch(`${url}/users/bulk`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ userIds, actions, dryRun }) });
      const text = await response.text();
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`POST /users/bulk answered ${response.status}: ${text.slice(0, 500)}`);
      const body = JSON.parse(text) as { applied: number; failed: number; results: { changed: boolean; error?: { code: string } }[] };
      // Only people left for lack of time (the 22 s budget) may fail; they are reported, not hidden.
      const failure = body.results.find((r) => r.error && r.error.code !== 'not_attempted');
      if (failure) throw new Error(`POST /users/bulk: a person failed: ${JSON.stringify(failure)}`);
      const notAttempted = body.results.filter((r) => r.error).length;
      return { seconds: ms / 1000, bytes: Buffer.byteLength(text), changed: body.results.filter((r) => r.changed).length, notAttempted, callsPerPerson: calls / PEOPLE };
    };
    const grant = [{ op: 'addRole', roleId: 'preset-teacher', nodeId: schoolA!.id }, { op: 'addMembership', nodeId: schoolB!.id, jobTitle: 'Cover Supervisor' }];
    const applied = await run(grant);
    const repeated = await run(grant);
    const dry = await run([{ op: 'deactivate' }], true);
    const deactivated = await run([{ op: 'deactivate' }]);
    client.send = originalSend;
    if (applied.changed + applied.notAttempted !== PEOPLE || deactivated.changed + deactivated.notAttempted !== PEOPLE) throw new Error('unexpected changed counts');
    const label = `${PEOPLE} people, ${BULK_CONCURRENCY} at a time`;
    return [
      { name: `POST /users/bulk addRole + addMembership at one school (${label})`, unit: 's', value: applied.seconds },
      { name: 'POST /users/bulk addRole + addMembership: DynamoDB calls per person (incl. retries on the shared counter)', unit: 'calls', value: applied.callsPerPerson },
      { name: `POST /users/bulk the same again, all changed: false (${label})`, unit: 's', value: repeated.seconds },
      { name: `POST /users/bulk deactivate, dry run (${label})`, unit: 's', value: dry.seconds },
      { name: `POST /users/bulk deactivate with Cognito disable + sign-out (${label})`, unit: 's', value: deactivated.seconds },
      { name: 'POST /users/bulk response size for 500 people', unit: 'KB', value: applied.bytes / 1024 },
      { name: 'POST /users/bulk people left not_attempted by the 22 s budget (grant; deactivation)', unit: 'people', value: applied.notAttempted + deactivated.notAttempted },
    ];
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
