/** `npm run bench`: measurements side by side in one run; writes bench/results.json and prints a table. */
import { benchAccessEngine } from './access-engine.bench';
import { benchAuthzHttp } from './authz-http.bench';
import { benchLocalStack } from './local-stack.bench';
import { writeResults, type BenchResult } from './results';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const results: BenchResult[] = [];
// CPU-bound first, before the emulators of the local stack start competing for the cores.
results.push(...(await benchAccessEngine()));
results.push(...(await benchLocalStack()));
results.push(...(await benchAuthzHttp()));
writeResults('bench/results.json', results);
