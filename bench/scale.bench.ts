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
    /** Access decisions and the audit log at scale. */
    const benchAccess = async () => {
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
    };
    if (process.env.SCALE_ONLY !== 'reports') await benchAccess();
    if (process.env.SCALE_ONLY !== 'reports') results.push(...(await benchDirectory({ workload, admin, clusterAdmin, measure, get, pick, readyAt: directoryReadyAt, tally })));
    setFlagsFromString('--expose_gc');
    const schoolReader = await signIn(await ensureSchoolReader(workload));
    results.push(...(await benchReports({ url, tally, readers: [['trust admin, whole trust', admin, 3], ['cluster admin, own cluster', clusterAdmin, 5], ['school admin, own school', schoolReader, 10]], people: workload.people })));
    results.push(...(await benchReportsJob({ url, workload, admin, schoolReaderEmail: await ensureSchoolReader(workload) })));
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

/** The school admin the reports bench reads as: School Admin of cluster 0's first school, made once (a real Cognito user) and kept in the state. */
async function ensureSchoolReader(workload: ScaleWorkload): Promise<string> {
  const email = 'scale-school-admin@scale.example';
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { documentClient, tableName } = await import('../functions/adapters/dynamo/client');
  const { keys } = await import('../functions/adapters/dynamo/keys');
  if ((await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(email) }))).Item) return email;
  const { createCognitoUser, setPermanentPassword } = await import('../functions/adapters/cognito/user-pool');
  const { writeNewPerson } = await import('../functions/adapters/dynamo/person-writes');
  const { auditRecord } = await import('../domain/audit/audit-record');
  const { presetIds } = await import('../domain/access/roles');
  const cognitoUsername = await createCognitoUser(email);
  await setPermanentPassword(cognitoUsername, SCALE_PASSWORD);
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const schoolId = workload.clusters.find((c) => c.id === workload.clusterAdmin.clusterId)!.schools[0]!;
  const assignment = { id: crypto.randomUUID(), roleId: presetIds.schoolAdmin, nodeId: schoolId };
  await writeNewPerson(
    {
      id, trustId: workload.trustId, email, firstName: 'School', lastName: 'Reader', userType: 'staff', status: 'active', source: 'manual', cognitoUsername,
      sessionsValidAfter: 0, mfaEnabled: false, edited: false, version: 1, createdAt: now, updatedAt: now,
    },
    [
      { type: 'putMembership', membership: { nodeId: schoolId, primary: true, isManager: false }, createdAt: now, isNew: true },
      { type: 'putAssignment', assignment, customRole: false },
    ],
    [auditRecord({ id: crypto.randomUUID(), at: now, actorId: workload.trustAdmin.id, action: 'role.assigned', targetType: 'user', targetId: id, nodeId: schoolId, after: assignment })],
  );
  return email;
}

/**
 * Issue 13 point 4: every report for a trust admin (the whole trust), a
 * cluster admin (their cluster) and a school admin (their school), JSON, on
 * a warm directory: time (a large answer is a 303: the time includes storing
 * it, and the fetch of the stored file is not counted), DynamoDB items read,
 * rows, bytes, the heap the request grew by at its peak; the whole-trust
 * access-review also as CSV. A one-school reader's report must not read the
 * trust: the run fails if one reads more items than a tenth of the people.
 */
async function benchReports(input: {
  url: string;
  tally: { calls: number; items: number };
  readers: [string, string, number][];
  people: number;
}): Promise<BenchResult[]> {
  const { url, tally, readers } = input;
  const { REPORT_NAMES } = await import('../domain/reports/catalogue');
  const { accessReviewReads } = await import('../functions/reports/report-data');
  const results: BenchResult[] = [];
  const fetchReport = async (path: string, token: string) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    const text = await response.text();
    if (response.status === 303) return { linked: true, bytes: (JSON.parse(text) as { bytes: number }).bytes, rows: (JSON.parse(text) as { rows: number }).rows };
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
    const rows = path.includes('format=csv') ? text.split('\r\n').length - 2 : (JSON.parse(text) as { rows: unknown[] }).rows.length;
    return { linked: false, bytes: Buffer.byteLength(text), rows };
  };
  const gc = runInNewContext('gc') as () => void;
  for (const [who, token, samples] of readers) {
    for (const [name, query] of [...REPORT_NAMES.map((n) => [n, ''] as const), ...(who.startsWith('trust') ? [['access-review', 'format=csv'] as const] : [])]) {
      const path = `/reports/${name}${query ? `?${query}` : ''}`;
      await fetchReport(path, token); // warm: the directory and the handler's modules
      const times: number[] = [];
      const before = { ...tally, ...accessReviewReads };
      let last = { linked: false, bytes: 0, rows: 0 };
      let peak = 0;
      for (let i = 0; i < samples; i++) {
        gc();
        const heapBefore = process.memoryUsage().heapUsed;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore)), 20);
        const started = performance.now();
        last = await fetchReport(path, token);
        times.push(performance.now() - started);
        clearInterval(sampler);
      }
      const items = (tally.items - before.items) / samples;
      const label = `scale: GET ${path}, ${who}`;
      results.push(
        { name: `${label} p50`, unit: 'ms', value: percentile(times, 50) },
        { name: `${label} DynamoDB items read per request`, unit: 'items', value: items },
        { name: `${label} DynamoDB calls per request`, unit: 'calls', value: (tally.calls - before.calls) / samples },
        { name: `${label} rows`, unit: 'rows', value: last.rows },
        { name: `${label} ${last.linked ? 'stored file (303)' : 'inline response'} size`, unit: 'KB', value: last.bytes / 1024 },
        { name: `${label} peak heap growth`, unit: 'MB', value: peak / 1024 / 1024 },
      );
      if (name === 'access-review') {
        results.push({ name: `${label} people read from their own items (not the summary) per request`, unit: 'people', value: (accessReviewReads.people - before.people) / samples });
      }
      if (who.startsWith('school') && items > input.people / 10) throw new Error(`${label} read ${items} items: a one-school report must not read the trust`);
      console.log(`${label}: ${percentile(times, 50).toFixed(0)} ms, ${items} items, ${last.rows} rows, ${(last.bytes / 1024).toFixed(0)} KB${last.linked ? ' (303)' : ''}`);
    }
  }
  return results;
}

/**
 * The hourly reports job at scale: two daily schedules due at one instant,
 * the whole trust's access-review to the trust admin (over SES's limit: a
 * link) and one school's to its school admin (an attachment), run once
 * in-process as EventBridge would; the schedules are deleted afterwards so
 * runs on the kept state do not pile up.
 */
async function benchReportsJob(input: { url: string; workload: ScaleWorkload; admin: string; schoolReaderEmail: string }): Promise<BenchResult[]> {
  const { url, workload, admin } = input;
  const { handler } = await import('../functions/reports/reports-job');
  const { ATTACHMENT_MAX_BYTES } = await import('../functions/reports/reports-job');
  const { duePeriod } = await import('../domain/reports/schedule');
  const { getTrust } = await import('../functions/adapters/dynamo/trust-repository');
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { documentClient, tableName } = await import('../functions/adapters/dynamo/client');
  const { keys } = await import('../functions/adapters/dynamo/keys');
  const reader = (await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.email(input.schoolReaderEmail) }))).Item as { userId: string };
  const schoolId = workload.clusters.find((c) => c.id === workload.clusterAdmin.clusterId)!.schools[0]!;
  const hour = 6;
  const create = async (body: unknown) => {
    const response = await fetch(`${url}/report-schedules`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
    if (response.status !== 201) throw new Error(`POST /report-schedules answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  };
  const ids = [
    await create({ report: 'access-review', params: {}, cadence: 'daily', hour, recipientIds: [workload.trustAdmin.id] }),
    await create({ report: 'access-review', params: { nodeId: schoolId }, cadence: 'daily', hour, recipientIds: [reader.userId] }),
  ];
  try {
    // A day no earlier run has claimed (claims are kept in the state): some day in 2030–2099, at an hour the schedules are due.
    const trust = (await getTrust(workload.trustId))!;
    const day = new Date(Date.UTC(2030 + Math.floor(Math.random() * 70), 0, 1 + Math.floor(Math.random() * 27), 0, 0));
    let at = day;
    while (!duePeriod({ cadence: 'daily', hour }, at, trust.policies.timeZone)) at = new Date(at.getTime() + 3_600_000);
    const mailsBefore = ((await (await fetch(`${url}/_local/mail`)).json()) as { items: unknown[] }).items.length;
    const started = performance.now();
    const summary = await handler({ time: at.toISOString() });
    const ms = performance.now() - started;
    const mails = ((await (await fetch(`${url}/_local/mail`)).json()) as { items: { to: string[]; text: string; attachments?: { content: string }[] }[] }).items.slice(mailsBefore);
    const toAdmin = mails.find((m) => m.to.includes(workload.trustAdmin.email));
    const toReader = mails.find((m) => m.to.includes(input.schoolReaderEmail));
    const attached = (m?: { attachments?: { content: string }[] }) => (m?.attachments ?? []).reduce((n, a) => n + Buffer.from(a.content, 'base64').length, 0);
    console.log(`reports job: ${JSON.stringify(summary)} in ${ms.toFixed(0)} ms; trust-wide: ${toAdmin?.attachments?.length ? 'attachment' : 'link'}, school: ${toReader?.attachments?.length ? `attachment ${attached(toReader)} bytes` : 'link'}`);
    if (summary.sent !== 2 || !toAdmin || !toReader) throw new Error(`reports job sent ${JSON.stringify(summary)}`);
    return [
      { name: 'scale: reports job, two due schedules (whole-trust and one-school access-review), one run', unit: 'ms', value: ms },
      { name: `scale: reports job, whole-trust access-review mailed as a link (above ATTACHMENT_MAX_BYTES = ${ATTACHMENT_MAX_BYTES})`, unit: 'attachments', value: toAdmin.attachments?.length ?? 0 },
      { name: 'scale: reports job, one-school access-review attachment size', unit: 'KB', value: attached(toReader) / 1024 },
    ];
  } finally {
    for (const id of ids) await fetch(`${url}/report-schedules/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
  }
}
