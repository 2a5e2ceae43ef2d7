/**
 * `npm run bench`: measurements side by side in one run; writes bench/results.json and prints a table.
 * `npm run bench -- scale` (or `engine`, `bundles`, `stack`, `authz`, `bulk`, `mis`) runs only those parts.
 * `SCALE_ONLY=reports npm run bench -- scale` measures only the reports (and their job) on the kept scale workload.
 * Each part runs in a process of its own, so one part's emulators, module singletons (the SDK
 * clients are configured once per process) and heap never affect the next part's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAccessEngine } from './access-engine.bench';
import { benchAuthzHttp } from './authz-http.bench';
import { benchBulk } from './bulk.bench';
import { benchBundles } from './bundles.bench';
import { benchLocalStack } from './local-stack.bench';
import { benchMis } from './mis.bench';
import { writeResults, type BenchResult } from './results';
import { benchScale } from './scale.bench';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// CPU-bound first, before the emulators of the local stack start competing for the cores.
const parts: [string, () => Promise<BenchResult[]>][] = [
  ['engine', benchAccessEngine],
  ['bundles', benchBundles],
  ['stack', benchLocalStack],
  ['authz', benchAuthzHttp],
  ['scale', benchScale],
  ['bulk', benchBulk],
  ['mis', benchMis],
];

const partOut = process.env.BENCH_PART_OUT;
const chosen = process.argv.slice(2);
if (partOut) {
  // A child: run the one part asked for and hand its results back through a file.
  const [, run] = parts.find(([name]) => name === chosen[0])!;
  writeResults(partOut, await run());
} else {
  const dir = mkdtempSync(join(tmpdir(), 'trust-access-bench-'));
  const results: BenchResult[] = [];
  try {
    for (const [name] of parts.filter(([name]) => chosen.length === 0 || chosen.includes(name))) {
      const out = join(dir, `${name}.json`);
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', name], { stdio: 'inherit', env: { ...process.env, BENCH_PART_OUT: out } });
      if (child.status !== 0) throw new Error(`bench part ${name} failed (exit ${child.status})`);
      results.push(...(JSON.parse(readFileSync(out, 'utf8')) as BenchResult[]).map((r) => ({ ...r, part: name })));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (chosen.length === 0) writeResults('bench/results.json', results);
  else {
    writeResults(`bench/results-${chosen.join('-')}.json`, results);
    // bench/results.json keeps the latest figures of every part: this run's parts replace their own entries.
    const all = existsSync('bench/results.json') ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as BenchResult[]) : [];
    const ofChosen = (r: BenchResult) => (r.part !== undefined ? chosen.includes(r.part) : chosen.some((name) => r.name.startsWith(`${name}:`)));
    writeFileSync('bench/results.json', JSON.stringify([...all.filter((r) => !ofChosen(r)), ...results], null, 2));
  }
}
