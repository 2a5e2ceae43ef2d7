import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-restart-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Runs `npm start`'s entry point until it prints its banner, then returns the output and a stop function. */
async function start(ports: Record<string, number>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, DEMO_ADMIN_PASSWORD: '', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  const began = Date.now();
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null || Date.now() - began > 60_000) throw new Error(`did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  };
  return { output, stop, seconds: (Date.now() - began) / 1000 };
}

describe('npm start', () => {
  it('seeds once, prints the demo login, stops every child on Ctrl-C, and finds its data again', async () => {
    const ports = { PORT: await freePort(), DYNAMODB_PORT: await freePort(), COGNITO_PORT: await freePort(), SES_PORT: await freePort() };
    const first = await start(ports);
    expect(first.output).toContain('demo trust seeded just now');
    const password = /admin@demo\.trust \/ (\S+)/.exec(first.output)![1]!;
    const url = `http://localhost:${ports.PORT}`;
    const tokens: any = await (await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@demo.trust', password }) })).json();
    const nodes = ((await (await fetch(`${url}/nodes`, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).json()) as any).items as { kind: string; label?: string }[];
    expect(nodes.filter((n) => n.kind === 'cluster').length).toBeGreaterThanOrEqual(3);
    expect(nodes.filter((n) => n.kind === 'school' && n.label === 'Nursery')).toHaveLength(2);
    // The seeded people can sign in; the nursery's managers make the funding-document line.
    const acorns = (nodes as unknown as { id: string; name: string }[]).find((n) => n.name === 'Little Acorns')!;
    const managers: any = await (await fetch(`${url}/nodes/${acorns.id}/managers`, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).json();
    expect(managers.line).toBe('Jane Smith - Nursery Manager, John Doe - Deputy Manager');
    const nina = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nina.north@demo.trust', password }) });
    expect(nina.status).toBe(200);
    await first.stop();
    for (const port of Object.values(ports)) expect(await listening(port), `port ${port} still open`).toBe(false);

    const second = await start(ports);
    expect(second.output).not.toContain('seeded just now');
    expect(second.output).toContain(password);
    const again: any = await (await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@demo.trust', password }) })).json();
    const nodesAgain = ((await (await fetch(`${url}/nodes`, { headers: { authorization: `Bearer ${again.accessToken}` } })).json()) as any).items;
    expect(nodesAgain).toEqual(nodes);
    await second.stop();
  }, 120_000);
});
