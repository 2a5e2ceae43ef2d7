/**
 * `npm run bench`: measurements side by side in one run; writes bench/results.json and prints a table.
 * `npm run bench -- scale` (or `engine`, `bundles`, `stack`, `authz`) runs only those parts.
 */
import { benchAccessEngine } from './access-engine.bench';
import { benchAuthzHttp } from './authz-http.bench';
import { benchBundles } from './bundles.bench';
import { benchLocalStack } from './local-stack.bench';
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
];
const chosen = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, run] of parts) {
  if (chosen.length === 0 || chosen.includes(name)) results.push(...(await run()));
}
writeResults(chosen.length === 0 ? 'bench/results.json' : `bench/results-${chosen.join('-')}.json`, results);
