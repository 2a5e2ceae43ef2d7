import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { call, login, stack } from '../fixtures/api';

const run = promisify(execFile);

const createTrust = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'infra/scripts/create-trust.ts', ...args], {
    env: { ...process.env, LOCAL_STATE_DIR: stack().stateDir, TABLE_NAME: '', USER_POOL_ID: '' },
  });

describe('npm run trust:create', () => {
  it('bootstraps a trust on the local stack whose admin can sign in and manage the tree', async () => {
    const email = `cli-${randomUUID()}@test.example`;
    const { stdout } = await createTrust(['--name', 'CLI Trust', '--admin-email', email, '--admin-password', 'Cli-Password-123']);
    expect(stdout).toContain('Created trust "CLI Trust"');
    const { accessToken } = await login(email, 'Cli-Password-123');
    const nodes = await call('GET', '/nodes', { token: accessToken });
    expect(nodes.body.items).toEqual([expect.objectContaining({ kind: 'trust', name: 'CLI Trust', parentId: null })]);
    const created = await call('POST', '/nodes', { token: accessToken, body: { kind: 'cluster', name: 'First Cluster', parentId: nodes.body.items[0].id } });
    expect(created.status).toBe(201);
  });

  it('refuses an email that already has an account, and a weak password, with exit code 2', async () => {
    await expect(createTrust(['--name', 'Dup', '--admin-email', stack().demoEmail, '--admin-password', 'Cli-Password-123'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('already has an account'),
    });
    await expect(createTrust(['--name', 'Weak', '--admin-email', `w-${randomUUID()}@test.example`, '--admin-password', 'short'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('at least 12 characters'),
    });
  });
});
