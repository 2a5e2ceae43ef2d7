import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
    const directoryReadyAt = await ensureDirectoryBackfilled();
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
    results.push(...(await benchDirectory({ workload, admin, clusterAdmin, measure, get, pick, readyAt: directoryReadyAt, tally })));
    // Issue 13: each report for the trust admin, the whole trust (a large answer is a 303 the fetch follows to the stored file).
    const { REPORT_NAMES } = await import('../domain/reports/catalogue');
    // access-review reads every role holder's partition and trail: for the whole trust it is refused (400, MAX_ACCESS_REVIEW_PEOPLE), so it is measured per school.
    for (const name of REPORT_NAMES.filter((n) => n !== 'access-review')) await measure(`scale: GET /reports/${name}, trust admin, whole trust`, 3, get(`/reports/${name}`, admin), 1);
    await measure('scale: GET /reports/access-review, trust admin, one school', 10, () => get(`/reports/access-review?nodeId=${pick(schools)}`, admin)(), 2);
    results.push({ name: `scale: people in the workload (seeded in ${workload.seededInSeconds.toFixed(0)} s, kept in bench/.scale-state)`, unit: 'people', value: workload.people });
    return results;
  } finally {
    restore();
    await stack.stop();
  }
}

/**
 * A kept workload seeded before the directory existed has no summaries: the
 * backfill (the deploy step, `npm run migrate:directory`) runs once on it,
 * recorded by a marker in the state directory; re-running it would change
 * nothing anyway. Returns when the directory's refresh overlap will have
 * passed since the backfill's writes (until then every request re-reads the
 * people it stamped, which is what a warm container pays right after a bulk
 * change, not its steady state).
 */
async function ensureDirectoryBackfilled(): Promise<number> {
  const { DIRECTORY_SUMMARY_VERSION } = await import('../domain/directory/summary');
  const marker = join(SCALE_STATE_DIR, 'directory-backfill.json');
  if (existsSync(marker) && (JSON.parse(readFileSync(marker, 'utf8')) as { summaryVersion?: number }).summaryVersion === DIRECTORY_SUMMARY_VERSION) return 0;
  const { backfillDirectory } = await import('../infra/scripts/directory-backfill');
  const result = await backfillDirectory({ log: (line) => console.log(line) });
  writeFileSync(marker, JSON.stringify({ ...result, summaryVersion: DIRECTORY_SUMMARY_VERSION, at: new Date().toISOString() }));
  const { config } = await import('../functions/config');
  return result.written > 0 ? Date.now() + (config().DIRECTORY_OVERLAP_SECONDS + 1) * 1000 : 0;
}

/** GET /users at trust scale: the cache's cold load (time, items, memory), then warm pages, searches and filters. */
async function benchDirectory(input: {
  workload: ScaleWorkload;
  admin: string;
  clusterAdmin: string;
  measure: (name: string, samples: number, request: () => Promise<Response>, warm?: number) => Promise<void>;
  get: (path: string, token: string) => () => Promise<Response>;
  pick: <T>(items: readonly T[]) => T;
  readyAt: number;
  tally: { calls: number; items: number };
}): Promise<BenchResult[]> {
  const { workload, admin, clusterAdmin, measure, get, pick, tally } = input;
  const results: BenchResult[] = [];
  const { forgetDirectories, trustDirectory } = await import('../functions/users/directory');
  const wait = input.readyAt - Date.now();
  if (wait > 0) {
    console.log(`directory: waiting ${Math.ceil(wait / 1000)} s for the backfill's writes to leave the refresh overlap`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const cold: number[] = [];
  const heap: number[] = [];
  let coldItems = 0;
  let entries = 0;
  for (let i = 0; i < 3; i++) {
    forgetDirectories();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const itemsBefore = tally.items;
    const started = performance.now();
    const index = await trustDirectory(workload.trustId);
    cold.push(performance.now() - started);
    coldItems = tally.items - itemsBefore;
    gc();
    heap.push((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024);
    entries = index.size;
  }
  // The first request after a cold load also sorts its order (each sort field once per container).
  const firstSort = performance.now();
  await (await get('/users?userType=staff&sort=lastName&limit=50', admin)()).arrayBuffer();
  const firstSortMs = performance.now() - firstSort;
  results.push(
    { name: `scale: directory cold load (${entries} people, every gsi3 page) p50 of 3`, unit: 'ms', value: percentile(cold, 50) },
    { name: 'scale: directory cold load, items read', unit: 'items', value: coldItems },
    // The first load only: a later one replaces an index the async frame may still hold, so its delta is ~0.
    { name: 'scale: directory cache heap for the trust (first load)', unit: 'MB', value: heap[0]! },
    { name: 'scale: GET /users first request after a cold load (sorts by lastName once)', unit: 'ms', value: firstSortMs },
  );
  const prefixes = Array.from({ length: 977 }, (_, i) => `surname${i}`);
  const surnames = Array.from({ length: 977 }, (_, i) => `Surname${i} `);
  await measure('scale: GET /users first page of staff by lastName (50), trust admin', 200, get('/users?userType=staff&sort=lastName&limit=50', admin));
  let cursor: string | null = null;
  await measure('scale: GET /users following pages of staff by lastName (50), trust admin', 200, async () => {
    const response = await get(`/users?userType=staff&sort=lastName&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin)();
    cursor = ((await response.clone().json()) as { nextCursor: string | null }).nextCursor;
    return response;
  }, 0);
  await measure('scale: GET /users name-prefix search (q=surnameN), trust admin', 200, () => get(`/users?q=${pick(prefixes)}&limit=50`, admin)());
  await measure('scale: GET /users full-name search (q="staff12 surname"), trust admin', 200, () => get(`/users?q=${encodeURIComponent(`staff${Math.floor(Math.random() * 12000)} ${pick(surnames).trim().toLowerCase().slice(0, 8)}`)}&limit=50`, admin)());
  await measure('scale: GET /users name-prefix search, cluster admin', 200, () => get(`/users?q=${pick(prefixes)}&limit=50`, clusterAdmin)());
  await measure('scale: GET /users filter by role (Designated Safeguarding Lead), trust admin', 200, get('/users?roleId=preset-designated-safeguarding-lead&limit=50', admin));
  await measure('scale: GET /users filter by school and role (Teacher), cluster admin', 200, () => get(`/users?nodeId=${pick(workload.clusters[0]!.schools)}&roleId=preset-teacher&sort=email&order=desc&limit=50`, clusterAdmin)());
  return results;
}
