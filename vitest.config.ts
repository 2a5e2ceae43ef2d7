import { defineConfig } from 'vitest/config';
import { SERIAL_FILES } from './test/support/serial-files';

const stack = {
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/stack-env.ts'],
};

/**
 * Four projects, one `npm test`:
 * - `unit` is pure code (domain rules, no Java, no emulator, no network) and
 *   runs anywhere (`npx vitest run --project unit`);
 * - `infra` synthesizes the CDK app and bundles the functions; no emulator.
 *   Its files share a worker's modules (`isolate: false`), so the default
 *   app is synthesized once per worker (test/infra/test-app.ts);
 * - `stack` starts one local stack (DynamoDB Local, cognito-local, SES, the
 *   gateway) for the handler, integration and e2e suites. Each file works in
 *   its own trust, so two files run at a time;
 * - `stack-serial` holds the files that run a job walking every trust (the
 *   notify sweep, the digest, the reports job): they run one at a time, after
 *   the others (`groupOrder` 1), on the same stack, with the few files whose
 *   single request takes a large share of its time budget
 *   (test/support/serial-files.ts).
 * Two workers: the local stack and the files share the machine's CPU (a run
 * with two workers took 438 s against 607 s with one, on 2 cores).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/infra/**', ...SERIAL_FILES],
          ...stack,
        },
      },
      {
        extends: true,
        test: {
          name: 'stack-serial',
          include: [...SERIAL_FILES],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          ...stack,
        },
      },
    ],
  },
});
