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

/** The one stack of a run, shared by the projects that need it (`stack` and `stack-serial` in vitest.config.ts). */
interface SharedStack {
  stack: Promise<TestStack>;
  projects: number;
  child?: ChildProcess;
  stateDir?: string;
  /** Everything the stack printed (its functions log errors only, POWERTOOLS_LOG_LEVEL=ERROR). */
  output: string;
}

const SHARED = Symbol.for('trust-access.test-stack');
const registry = globalThis as { [SHARED]?: SharedStack };

/**
 * Starts the real local stack exactly as `npm start` does (same entry point),
 * on free ports and a fresh state directory, once per run however many
 * projects ask for it, and stops it when the last of them is done.
 */
export async function setup(project: TestProject) {
  let shared = registry[SHARED];
  if (!shared) {
    shared = { projects: 0, output: '' } as SharedStack;
    shared.stack = startStack(shared);
    registry[SHARED] = shared;
  }
  shared.projects++;
  project.provide('stack', await shared.stack);
}

async function startStack(shared: SharedStack): Promise<TestStack> {
  const started = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), 'trust-access-test-'));
  shared.stateDir = stateDir;
  const [port, dynamoPort, cognitoPort, sesPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const demoPassword = 'Demo-Test-Password-1';
  const root = resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
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
  shared.child = child;
  child.stdout?.on('data', (chunk: Buffer) => (shared.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (shared.output += chunk.toString()));
  const info = join(stateDir, 'stack.json');
  const deadline = Date.now() + 90_000;
  while (!existsSync(info)) {
    if (child.exitCode !== null) throw new Error(`local stack exited early:\n${shared.output}`);
    if (Date.now() > deadline) throw new Error(`local stack did not start in 90s:\n${shared.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stack = JSON.parse(readFileSync(info, 'utf8')) as StackInfo;
  console.log(`local stack up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${stack.url}`);
  return { ...stack, demoEmail: 'admin@demo.trust', demoPassword, stateDir };
}

/** A function's error log line, shortened to when, where, what and why. */
function errorLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { timestamp?: string; route?: string; function_name?: string; message?: string; error?: { name?: string; message?: string } };
    return `${entry.timestamp} ${entry.route ?? entry.function_name ?? ''} ${entry.message}: ${entry.error?.name ?? ''} ${entry.error?.message ?? ''}`.slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

export async function teardown() {
  const shared = registry[SHARED];
  if (!shared || --shared.projects > 0) return;
  delete registry[SHARED];
  const { child, stateDir } = shared;
  // A 500 in a test names only "internal_error": the function's own error log says why, so a run shows it.
  // Many are expected (tests that make SES refuse, a job fail): one short line each.
  const errors = shared.output.split('\n').filter((line) => line.includes('"level":"ERROR"')).map(errorLine);
  if (errors.length > 0) console.log(`the local stack logged ${errors.length} error(s); the first 20:\n${errors.slice(0, 20).join('\n')}`);
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}
