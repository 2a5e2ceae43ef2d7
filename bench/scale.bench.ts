import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalStack } from '../infra/local/stack';
import { percentile, type BenchResult } from './results';
import { discardScaleState, ensureScaleWorkload, SCALE_PASSWORD, seeded, WORKLOAD_VERSION, type ScaleWorkload } from './scale/workload';

const PORTS = { port: 3921, dynamoPort: 3922, cognitoPort: 3923, sesPort: 3924 };
/** Kept between runs (gitignored): seeding 62,000 people takes minutes. */
export const SCALE_STATE_DIR = resolve(import.meta.dirname, '.scale-state');

/** Counts the DynamoDB calls and the items they return, for the requests the handlers answer in this process. */
export async function countingReads() {
  const { documentClient } = await import('../functions/adapters/dynamo/client');
  const client = documentClient();
  const originalSend = client.send.bind(client);
  const tally = { calls: 0, items: 0 };
  client.send = (async (command: never, ...rest: never[]) => {
    const output = (await originalSend(command, ...rest)) as Record<string, any>;
    tally.calls++;
    if (Array.isArray(output.Items)) tally.items += output.Items.length;
    else if (output.Item) tally.items += 1;
    else if (output.Responses && !Array.isArray(output.Responses)) tally.items += Object.values(output.Responses as Record<string, unknown[]>).reduce((n, items) => n + items.length, 0);
    return output;
  }) as typeof client.send;
  return { tally, restore: () => (client.send = originalSend) };
}

/** Runs the scale workload's measurements on the local stack (seeding it first when it is not kept yet). */
export async function benchScale(): Promise<BenchResult[]> {
  const kept = join(SCALE_STATE_DIR, 'scale-workload.json');
  if (existsSync(kept) && (JSON.parse(readFileSync(kept, 'utf8')) as ScaleWorkload).version !== WORKLOAD_VERSION) discardScaleState(SCALE_STATE_DIR);
  const stack = await startLocalStack({ stateDir: SCALE_STATE_DIR, ...PORTS, region: 'eu-west-2', tableName: 'trust-access', demoAdminPassword: SCALE_PASSWORD });
  const { tally, restore } = await countingReads();
  try {
    const workload = await ensureScaleWorkload(stack, SCALE_STATE_DIR);
    const { getTrust, loadTrustContext } = await import('../functions/adapters/dynamo/trust-repository');
    const url = stack.info.url;
    const random = seeded(0xbe9c4);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const signIn = async (email: string) => {
      const response = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: SCALE_PASSWORD }) });
      if (!response.ok) throw new Error(`sign-in of ${email} answered ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    };
    const admin = await signIn(workload.trustAdmin.email);
    const clusterAdmin = await signIn(workload.clusterAdmin.email);

    const results: BenchResult[] = [];
    /** Times `samples` requests after `warm` unmeasured ones; reports p50, p99, items read per request (and bytes). */
    const measure = async (name: string, samples: number, request: () => Promise<Response>, warm = 10) => {
      for (let i = 0; i < warm; i++) await (await request()).arrayBuffer();
      const times: number[] = [];
      let bytes = 0;
      const before = { ...tally };
      for (let i = 0; i < samples; i++) {
        const started = performance.now();
        const response = await request();
        const body = await response.arrayBuffer();
        times.push(performance.now() - started);
        if (!response.ok) throw new Error(`${name} answered ${response.status}: ${Buffer.from(body).toString().slice(0, 300)}`);
        bytes += body.byteLength;
      }
      results.push(
        { name: `${name} p50`, unit: 'ms', value: percentile(times, 50) },
        { name: `${name} p99`, unit: 'ms', value: percentile(times, 99) },
        { name: `${name} DynamoDB items read per request`, unit: 'items', value: (tally.items - before.items) / samples },
        { name: `${name} DynamoDB calls per request`, unit: 'calls', value: (tally.calls - before.calls) / samples },
        { name: `${name} response size`, unit: 'KB', value: bytes / samples / 1024 },
      );
    };
    const get = (path: string, token: string) => () => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const post = (path: string, token: string, body: () => unknown) => () =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body()) });

    // The cold load of the trust context (tree and custom roles): a version no container has seen forces it.
    const trust = (await getTrust(workload.trustId))!;
    const cold: number[] = [];
    const coldBefore = { ...tally };
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await loadTrustContext({ ...trust, treeVersion: -1 - i });
      cold.push(performance.now() - started);
    }
    results.push(
      { name: 'scale: cold load of the trust context (111 nodes) p50', unit: 'ms', value: percentile(cold, 50) },
      { name: 'scale: cold load of the trust context p99', unit: 'ms', value: percentile(cold, 99) },
      { name: 'scale: cold load of the trust context, items read', unit: 'items', value: (tally.items - coldBefore.items) / 20 },
    );

    const schools = workload.clusters.flatMap((c) => c.schools);
    const ownSchools = workload.clusters.find((c) => c.id === workload.clusterAdmin.clusterId)!.schools;
    const inCluster = workload.sample.filter((p) => p.clusterId === workload.clusterAdmin.clusterId);
    const permissions = ['users.view', 'behaviour.view', 'pastoral.view', 'children.view', 'users.edit'];
    await measure('scale: GET /me/permissions, trust admin', 200, () => get(`/me/permissions?nodeId=${pick(schools)}`, admin)());
    await measure('scale: GET /me/permissions, cluster admin', 200, () => get(`/me/permissions?nodeId=${pick(ownSchools)}`, clusterAdmin)());
    await measure('scale: POST /authz/check, trust admin about anyone', 300, post('/authz/check', admin, () => {
      const person = pick(workload.sample);
      return { userId: person.id, permission: pick(permissions), nodeId: person.schoolId };
    }));
    await measure('scale: POST /authz/check, cluster admin about its cluster', 300, post('/authz/check', clusterAdmin, () => {
      const person = pick(inCluster);
      return { userId: person.id, permission: pick(permissions), nodeId: person.schoolId };
    }));
    await measure('scale: GET /users/{id}/access, trust admin about itself', 30, get(`/users/${workload.trustAdmin.id}/access`, admin), 3);
    await measure('scale: GET /audit first page (50), trust admin', 50, get('/audit?limit=50', admin), 3);
    let cursor: string | null = null;
    await measure('scale: GET /audit following pages (50), trust admin', 50, async () => {
      const response = await get(`/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin)();
      const page = (await response.clone().json()) as { nextCursor: string | null };
      cursor = page.nextCursor;
      return response;
    }, 0);
    results.push({ name: `scale: people in the workload (seeded in ${workload.seededInSeconds.toFixed(0)} s, kept in bench/.scale-state)`, unit: 'people', value: workload.people });
    return results;
  } finally {
    restore();
    await stack.stop();
  }
}
