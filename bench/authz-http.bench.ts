import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Account } from '../domain/identity/account';
import type { TreeSeed } from '../domain/org/new-trust';
import { startLocalStack } from '../infra/local/stack';
import { percentile, type BenchResult } from './results';
import { seeded } from './scale/workload';

const PORTS = { port: 3911, dynamoPort: 3912, cognitoPort: 3913, sesPort: 3914 };
const PASSWORD = 'Bench-Password-123';
const PEOPLE = 300;
const CHECKS = 300;
const BATCHES = 60;

/**
 * POST /authz/check and /authz/batch over HTTP on the local stack, run in this
 * process so every DynamoDB call the handlers make can be counted.
 */
export async function benchAuthzHttp(): Promise<BenchResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-authz-bench-'));
  const stack = await startLocalStack({ stateDir, ...PORTS, region: 'eu-west-2', tableName: 'trust-access', demoAdminPassword: PASSWORD });
  try {
    const { createTrust } = await import('../functions/trusts/create-trust');
    const { writeNewPerson } = await import('../functions/adapters/dynamo/person-writes');
    const { documentClient } = await import('../functions/adapters/dynamo/client');
    const random = seeded(0xa11ce);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

    const tree: TreeSeed[] = [];
    for (let c = 0; c < 5; c++) {
      tree.push({ kind: 'cluster', name: `C${c}` });
      for (let s = 0; s < 2; s++) {
        tree.push({ kind: 'cluster', name: `C${c}S${s}`, parent: `C${c}` });
        for (let k = 0; k < 5; k++) tree.push({ kind: 'school', name: `C${c}S${s}K${k}`, parent: `C${c}S${s}` });
      }
    }
    const adminEmail = `bench-${randomUUID()}@bench.example`;
    const plan = await createTrust({ name: 'Bench Trust', adminEmail, adminFirstName: 'Bench', adminLastName: 'Admin', adminPassword: PASSWORD, tree });
    const nodes = [plan.root, ...plan.children];
    const schools = nodes.filter((n) => n.kind === 'school');
    const subs = nodes.filter((n) => n.kind === 'cluster' && n.name.includes('S'));
    const clusters = nodes.filter((n) => n.kind === 'cluster' && !n.name.includes('S'));
    const roles = ['preset-teacher', 'preset-staff', 'preset-teaching-assistant', 'preset-designated-safeguarding-lead'];
    const people: string[] = [];
    const now = new Date().toISOString();
    for (let i = 0; i < PEOPLE; i++) {
      const id = randomUUID();
      const account: Account = {
        id, trustId: plan.trust.id, email: `p${i}-${id}@bench.example`, firstName: 'P', lastName: String(i), userType: 'staff', status: 'active',
        source: 'manual', cognitoUsername: randomUUID(), sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: now, updatedAt: now,
      };
      const ops = [1, 2].map(() => {
        const r = random();
        const node = r < 0.8 ? pick(schools) : r < 0.9 ? pick(subs) : r < 0.97 ? pick(clusters) : plan.root;
        return { type: 'putAssignment' as const, assignment: { id: randomUUID(), roleId: pick(roles), nodeId: node.id }, customRole: false };
      });
      // Two assignments may land on one node; merge them into one counter touch by writing them as one op list.
      await writeNewPerson(account, ops, []);
      people.push(id);
    }

    const url = stack.info.url;
    const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: PASSWORD }) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` };
    const permissions = ['behaviour.view', 'users.view', 'pastoral.view', 'curricula.view', 'first_aid.record'];
    const check = () => ({ userId: pick(people), permission: pick(permissions), nodeId: pick(nodes).id });

    const client = documentClient();
    const originalSend = client.send.bind(client);
    let calls = 0;
    client.send = ((command: never, ...rest: never[]) => {
      calls++;
      return originalSend(command, ...rest);
    }) as typeof client.send;

    const post = async (path: string, body: unknown) => {
      const started = performance.now();
      const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await post('/authz/check', check()); // warm the container caches
    calls = 0;
    const single: number[] = [];
    for (let i = 0; i < CHECKS; i++) single.push(await post('/authz/check', check()));
    const callsPerCheck = calls / CHECKS;

    calls = 0;
    const batches: number[] = [];
    let distinct = 0;
    for (let i = 0; i < BATCHES; i++) {
      const group = Array.from({ length: 10 }, () => pick(people));
      const checks = Array.from({ length: 100 }, () => ({ ...check(), userId: pick(group) }));
      distinct += new Set(checks.map((c) => c.userId)).size;
      batches.push(await post('/authz/batch', { checks }));
    }
    const callsPerBatch = calls / BATCHES;

    // The same batches from an integration client at the root (authz.check): made as POST /integrations does, token from POST /oauth2/token.
    const { createAppClient } = await import('../functions/adapters/cognito/app-clients');
    const { writeNewIntegration } = await import('../functions/adapters/dynamo/integration-repository');
    const integrationId = randomUUID();
    const app = await createAppClient({ integrationId, scopes: ['authz.check'] });
    await writeNewIntegration(
      { id: integrationId, trustId: plan.trust.id, clientId: app.clientId, name: 'Bench app', nodeId: plan.root.id, scopes: ['authz.check'], status: 'active', requestsPerWindow: 100_000, createdBy: plan.admin.id, createdAt: now },
      { id: randomUUID(), at: now, actorId: plan.admin.id, action: 'integration.created', targetType: 'integration', targetId: integrationId, nodeId: plan.root.id, before: null, after: null },
    );
    const tokenResponse = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const clientToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
    headers.authorization = `Bearer ${clientToken}`;
    for (let i = 0; i < 5; i++) await post('/authz/check', check());
    calls = 0;
    const clientBatches: number[] = [];
    let clientDistinct = 0;
    for (let i = 0; i < BATCHES; i++) {
      const group = Array.from({ length: 10 }, () => pick(people));
      const checks = Array.from({ length: 100 }, () => ({ ...check(), userId: pick(group) }));
      clientDistinct += new Set(checks.map((c) => c.userId)).size;
      clientBatches.push(await post('/authz/batch', { checks }));
    }
    const clientCallsPerBatch = calls / BATCHES;
    client.send = originalSend;
    return [
      { name: 'POST /authz/batch from an integration client (100 checks, ≤10 people) p50', unit: 'ms', value: percentile(clientBatches, 50) },
      { name: 'POST /authz/batch from an integration client (100 checks, ≤10 people) p99', unit: 'ms', value: percentile(clientBatches, 99) },
      { name: 'POST /authz/batch from an integration client: DynamoDB calls beyond the client check and the trust GetItem, per distinct person', unit: 'calls', value: (clientCallsPerBatch - 2) / (clientDistinct / BATCHES) },
      { name: 'POST /authz/check p50', unit: 'ms', value: percentile(single, 50) },
      { name: 'POST /authz/check p99', unit: 'ms', value: percentile(single, 99) },
      { name: 'POST /authz/check DynamoDB calls per request (caller Query + trust GetItem + 1 Query for the person asked about)', unit: 'calls', value: callsPerCheck },
      { name: 'POST /authz/batch (100 checks, ≤10 people) p50', unit: 'ms', value: percentile(batches, 50) },
      { name: 'POST /authz/batch (100 checks, ≤10 people) p99', unit: 'ms', value: percentile(batches, 99) },
      { name: 'POST /authz/batch DynamoDB calls per request', unit: 'calls', value: callsPerBatch },
      { name: 'POST /authz/batch distinct people per request', unit: 'people', value: distinct / BATCHES },
      { name: 'POST /authz/batch DynamoDB calls beyond the caller\'s 2, per distinct person', unit: 'calls', value: (callsPerBatch - 2) / (distinct / BATCHES) },
    ];
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
