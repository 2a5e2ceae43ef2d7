import { defineConfig } from 'vitest/config';

/**
 * Two projects, one `npm test`: `unit` is pure code (domain rules, no Java, no
 * emulator, no network) and runs anywhere; `stack` starts one local stack
 * (DynamoDB Local, cognito-local, SES, the gateway) for the handler,
 * integration, e2e and infra suites. `npx vitest run --project unit` runs the
 * first alone.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'stack',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/stack-env.ts'],
        },
      },
    ],
  },
});
