import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { StackInfo } from '../../infra/local/stack';

export interface TestStack extends StackInfo {
  demoEmail: string;
  demoPassword: string;
  stateDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });

/** The trust's web app the test stack is configured with (APP_URL): only the "Sign in" link of notification emails names it. */
export const TEST_WEB_APP_URL = 'https://web-app.test.example';

let child: ChildProcess | undefined;
let stateDir: string | undefined;

/**
 * Starts the real local stack exactly as `npm start` does (same entry point),
 * on free ports and a fresh state directory, and stops it after the run.
 */
export async function setup(project: TestProject) {
  const started = Date.now();
  stateDir = mkdtempSync(join(tmpdir(), 'trust-access-test-'));
  const [port, dynamoPort, cognitoPort, sesPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const demoPassword = 'Demo-Test-Password-1';
  const root = resolve(import.meta.dirname, '../..');
  let output = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      LOCAL_STATE_DIR: stateDir,
      PORT: String(port),
      DYNAMODB_PORT: String(dynamoPort),
      COGNITO_PORT: String(cognitoPort),
      SES_PORT: String(sesPort),
      DEMO_ADMIN_PASSWORD: demoPassword,
      // Tests run the jobs themselves (POST /_local/run/{job}), so a timer never sends mail in the middle of one.
      LOCAL_SCHEDULES: 'off',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
      // A small trust's export crosses it, so the e2e tests reach the stored-export path without 60,000 people.
      EXPORT_INLINE_MAX_BYTES: '4096',
      // A web app that is not the API (review H, H-3): emailed links to API pages and the token endpoint must not be built on it.
      APP_URL: TEST_WEB_APP_URL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const info = join(stateDir, 'stack.json');
  const deadline = Date.now() + 90_000;
  while (!existsSync(info)) {
    if (child.exitCode !== null) throw new Error(`local stack exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`local stack did not start in 90s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stack = JSON.parse(readFileSync(info, 'utf8')) as StackInfo;
  project.provide('stack', { ...stack, demoEmail: 'admin@demo.trust', demoPassword, stateDir });
  console.log(`local stack up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.url}`);
}

export async function teardown() {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}
