import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** The `npm run bench` part that measured it (engine, bundles, stack, authz, scale, bulk). */
  part?: string;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function writeResults(file: string, results: BenchResult[]) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.table(results.map((r) => ({ name: r.name, value: Number(r.value.toFixed(2)), unit: r.unit, baseline: r.baseline?.name ?? '', ratio: r.ratio ? Number(r.ratio.toFixed(1)) : '' })));
}
