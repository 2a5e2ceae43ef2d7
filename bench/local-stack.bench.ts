import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, type BenchResult } from './results';

const PORTS = { PORT: 3901, DYNAMODB_PORT: 3902, COGNITO_PORT: 3903, SES_PORT: 3904 };
const PASSWORD = 'Bench-Password-123';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const post = (url: string, body: unknown, token?: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

/** Starts `npm start`'s entry point on a fresh state dir and measures start-up, sign-in and /nodes latency over HTTP. */
export async function benchLocalStack(samples = 300): Promise<BenchResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-bench-'));
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, DEMO_ADMIN_PASSWORD: PASSWORD, ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])) },
    stdio: 'ignore',
  });
  const url = `http://localhost:${PORTS.PORT}`;
  try {
    for (;;) {
      const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (child.exitCode !== null) throw new Error('local stack exited');
      await new Promise((r) => setTimeout(r, 50));
    }
    const startup = (performance.now() - began) / 1000;

    const logins: number[] = [];
    let token = '';
    for (let i = 0; i < 30; i++) {
      const [ms, response] = await timed(() => post(`${url}/auth/login`, { email: 'admin@demo.trust', password: PASSWORD }));
      token = ((await response.json()) as { accessToken: string }).accessToken;
      logins.push(ms);
    }
    const auth = { authorization: `Bearer ${token}` };
    const nodes = ((await (await fetch(`${url}/nodes`, { headers: auth })).json()) as { items: { id: string; kind: string }[] }).items;
    const rootId = nodes[0]!.id;
    // Grow the tree to 5 clusters > 10 sub-clusters > 50 schools, like the access benchmark's workload.
    const creates: number[] = [];
    const clusters: string[] = [];
    for (let c = 0; c < 5; c++) {
      const [ms, r] = await timed(() => post(`${url}/nodes`, { kind: 'cluster', name: `Bench Cluster ${c}`, parentId: rootId }, token));
      creates.push(ms);
      clusters.push(((await r.json()) as { id: string }).id);
    }
    const subs: string[] = [];
    for (let s = 0; s < 10; s++) {
      const [ms, r] = await timed(() => post(`${url}/nodes`, { kind: 'cluster', name: `Bench Sub ${s}`, parentId: clusters[s % 5] }, token));
      creates.push(ms);
      subs.push(((await r.json()) as { id: string }).id);
    }
    for (let k = 0; k < 50; k++) {
      const [ms] = await timed(() => post(`${url}/nodes`, { kind: 'school', name: `Bench School ${k}`, parentId: subs[k % 10] }, token));
      creates.push(ms);
    }
    const reads: number[] = [];
    for (let i = 0; i < samples; i++) {
      const [ms, r] = await timed(() => fetch(`${url}/nodes`, { headers: auth }));
      await r.arrayBuffer();
      reads.push(ms);
    }
    return [
      { name: 'local stack start-up to healthy /health (fresh state)', unit: 's', value: startup },
      { name: 'POST /auth/login p50', unit: 'ms', value: percentile(logins, 50) },
      { name: 'POST /auth/login p99', unit: 'ms', value: percentile(logins, 99) },
      { name: `GET /nodes p50 (${nodes.length + 65} nodes, warm tree cache)`, unit: 'ms', value: percentile(reads, 50) },
      { name: 'GET /nodes p99', unit: 'ms', value: percentile(reads, 99) },
      { name: 'POST /nodes p50', unit: 'ms', value: percentile(creates, 50) },
      { name: 'POST /nodes p99', unit: 'ms', value: percentile(creates, 99) },
    ];
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
  }
}
