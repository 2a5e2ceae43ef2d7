import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { jobs, routes } from '../functions/routes';
import { percentile, type BenchResult } from './results';

const root = resolve(import.meta.dirname, '..');
export const REFERENCE = 'bench/reference/dynamo-only.ts';

/** The esbuild settings of infra/constructs/service-function.ts (what `cdk synth` produces), in one place for the bench and its test. */
export async function bundle(entry: string, outdir: string): Promise<string> {
  const outfile = join(outdir, `${entry.replace(/[/.]/g, '_')}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

/** Median time for a fresh Node process to import the bundle, minus an empty module's (so only the bundle's own cost counts). */
function importMs(file: string, runs: number): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: runs }, () =>
    Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TABLE_NAME: 't', AWS_REGION: 'eu-west-2', POWERTOOLS_LOG_LEVEL: 'SILENT' } })),
  );
  return percentile(times, 50);
}

export interface BundleFigure {
  entry: string;
  bytes: number;
  importMs: number;
}

/** Bundles every function and the DynamoDB-only reference, and measures each side by side. */
export async function measureBundles(runs = 7): Promise<{ reference: BundleFigure; functions: BundleFigure[] }> {
  const outdir = mkdtempSync(join(tmpdir(), 'trust-access-bundles-'));
  try {
    const entries = [...new Set([...routes.map((r) => r.handler), ...jobs.map((j) => j.handler)])];
    const figure = async (entry: string): Promise<BundleFigure> => {
      const file = await bundle(entry, outdir);
      return { entry, bytes: statSync(file).size, importMs: 0 };
    };
    const reference = await figure(REFERENCE);
    const functions: BundleFigure[] = [];
    for (const entry of entries) functions.push(await figure(entry));
    // Import times interleaved with the reference's, so machine noise hits both alike.
    const referenceTimes: number[] = [];
    for (const fn of functions) {
      referenceTimes.push(importMs(join(outdir, `${REFERENCE.replace(/[/.]/g, '_')}.mjs`), 1));
      fn.importMs = importMs(join(outdir, `${fn.entry.replace(/[/.]/g, '_')}.mjs`), runs);
    }
    reference.importMs = percentile(referenceTimes, 50);
    return { reference, functions };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function benchBundles(): Promise<BenchResult[]> {
  const { reference, functions } = await measureBundles();
  const largest = functions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const slowest = functions.reduce((a, b) => (b.importMs > a.importMs ? b : a));
  console.table(functions.map((f) => ({ entry: f.entry, KB: Math.round(f.bytes / 1024), sizeRatio: Number((f.bytes / reference.bytes).toFixed(2)), importMs: Number(f.importMs.toFixed(1)), importRatio: Number((f.importMs / reference.importMs).toFixed(2)) })));
  return [
    { name: 'bundle: DynamoDB-only reference', unit: 'KB', value: reference.bytes / 1024 },
    { name: 'bundle: DynamoDB-only reference import time', unit: 'ms', value: reference.importMs },
    { name: `bundle: largest function (${largest.entry})`, unit: 'KB', value: largest.bytes / 1024, baseline: { name: 'reference', value: reference.bytes / 1024 }, ratio: largest.bytes / reference.bytes },
    { name: `bundle: slowest import (${slowest.entry})`, unit: 'ms', value: slowest.importMs, baseline: { name: 'reference', value: reference.importMs }, ratio: slowest.importMs / reference.importMs },
    ...functions.map((f) => ({ name: `bundle: ${f.entry}`, unit: 'KB', value: f.bytes / 1024, baseline: { name: 'reference', value: reference.bytes / 1024 }, ratio: f.bytes / reference.bytes })),
    ...functions.map((f) => ({ name: `import: ${f.entry}`, unit: 'ms', value: f.importMs, baseline: { name: 'reference', value: reference.importMs }, ratio: f.importMs / reference.importMs })),
  ];
}
