import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../bench/bundles.bench';
import { COMMON_PASSWORDS_FILE } from '../../functions/adapters/common-passwords';
import { jobs, routes } from '../../functions/routes';
import { copyCommonPasswordsCommand, PROJECT_ROOT } from '../../infra/constructs/service-function';

/**
 * The common-password list ships beside the bundles of the functions that set
 * passwords, not inside them (README "Lean functions"). These tests check the
 * two halves `cdk synth` puts together: which functions get the file, and that
 * a bundle finds it there (and refuses to check a password without it).
 */
const LOADER = 'functions/adapters/common-passwords.ts';

let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'trust-access-common-passwords-'));
});
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('the common-password list beside the bundle', () => {
  it('is shipped with exactly the functions whose bundle checks passwords', async () => {
    const handlers = [...new Set([...routes.map((r) => r.handler), ...jobs.map((j) => j.handler)])];
    // One esbuild pass over every handler, for the import graph only.
    const { metafile } = await build({
      entryPoints: handlers.map((h) => path.join(PROJECT_ROOT, h)), outdir: path.join(outdir, 'graph'), bundle: true, write: false, metafile: true,
      platform: 'node', format: 'esm', target: 'node24', mainFields: ['module', 'main'], logLevel: 'silent',
    });
    const checking = Object.values(metafile.outputs)
      .filter((output) => output.entryPoint && Object.keys(output.inputs).includes(LOADER))
      .map((output) => output.entryPoint!)
      .sort();
    const flagged = routes.filter((r) => r.commonPasswords).map((r) => r.handler).sort();
    expect(checking).toEqual(flagged);
    expect(flagged).toEqual([
      'functions/auth/accept-invitation.ts', 'functions/auth/confirm-password-reset.ts', 'functions/pages/invite-submit.ts', 'functions/pages/reset-password-submit.ts',
    ]);
    // And the list itself is in none of the bundles.
    const carrying = Object.values(metafile.outputs).filter((output) => Object.keys(output.inputs).some((input) => input.includes('@zxcvbn-ts/')));
    expect(carrying.map((output) => output.entryPoint)).toEqual([]);
  }, 120_000);

  it('is found beside a bundle where cdk synth copies it, and a bundle without it refuses to check', async () => {
    const loader = async (dir: string) => {
      const file = await bundle(LOADER, dir);
      // A fresh module instance per bundle: the list is cached per container.
      return (await import(`${pathToFileURL(file).href}?${path.basename(dir)}`)) as typeof import('../../functions/adapters/common-passwords');
    };
    // Where the bundle is deployed there is no node_modules to fall back to.
    const bare = mkdtempSync(path.join(tmpdir(), 'trust-access-no-list-'));
    try {
      await expect((await loader(bare)).commonPasswords()).rejects.toThrow(/common-passwords/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }

    const shipped = mkdtempSync(path.join(tmpdir(), 'trust-access-list-'));
    try {
      const module = await loader(shipped);
      execSync(copyCommonPasswordsCommand(shipped));
      expect(statSync(path.join(shipped, COMMON_PASSWORDS_FILE)).size).toBeGreaterThan(400_000);
      expect(module.commonPasswordsPath()).toBe(path.join(shipped, COMMON_PASSWORDS_FILE));
      const list = await module.commonPasswords();
      expect(list.size).toBeGreaterThan(40_000);
      expect(list.has('football')).toBe(true);
      expect(list.has('kettle-orbit-meadow-42')).toBe(false);
    } finally {
      rmSync(shipped, { recursive: true, force: true });
    }
  }, 60_000);
});
