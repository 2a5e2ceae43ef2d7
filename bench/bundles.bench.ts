import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { commonPasswordsPath } from '../functions/adapters/common-passwords';
import { jobs, queues, routes } from '../functions/routes';
import { percentile, type BenchResult } from './results';

const root = resolve(import.meta.dirname, '..');
export const REFERENCE = 'bench/reference/dynamo-only.ts';
/** The smallest sign-in the fixed stack allows (its clients, middy, zod and nothing of ours): see the file. */
export const SIGN_IN_FLOOR = 'bench/reference/sign-in-floor.ts';

/** The esbuild settings of infra/constructs/service-function.ts (what `cdk synth` produces), in one place for the bench and its test. */
export async function bundle(entry: string, outdir: string): Promise<string> {
  return (await bundleWithPackages(entry, outdir)).file;
}

/** `bundle`, also naming the npm packages that ended up in the output; `source` bundles that text as if it were `entry`. */
async function bundleWithPackages(entry: string, outdir: string, source?: string): Promise<{ file: string; packages: Set<string> }> {
  const outfile = join(outdir, `${entry.replace(/[/.]/g, '_')}.mjs`);
  const { metafile } = await build({
    ...(source === undefined ? { entryPoints: [join(root, entry)] } : { stdin: { contents: source, resolveDir: root, sourcefile: entry, loader: 'ts' as const } }),
    outfile,
    metafile: true,
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
  const packages = new Set<string>();
  for (const input of Object.keys(metafile.outputs[Object.keys(metafile.outputs)[0]!]!.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match) packages.add(match[1]!);
  }
  return { file: outfile, packages };
}

/**
 * The AWS clients a function may be made of (the stack is fixed: these are the SDK
 * packages API Gateway, Cognito, SES, SQS and S3 are called with), each with the
 * one call its yardstick makes. A function's "same clients" reference is the
 * DynamoDB-only reference plus one such call per other client its bundle holds:
 * the smallest Lambda that could do its AWS work, so the ratio to it is the
 * weight of the function's own code and libraries alone.
 */
const CLIENT_CALLS: Record<string, { imports: string; call: string }> = {
  '@aws-sdk/client-cognito-identity-provider': {
    imports: "import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';",
    call: "await new CognitoIdentityProviderClient({}).send(new AdminGetUserCommand({ UserPoolId: 'p', Username: 'u' }));",
  },
  '@aws-sdk/client-ses': {
    imports: "import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';",
    call: 'await new SESClient({}).send(new SendRawEmailCommand({ RawMessage: { Data: new Uint8Array() } }));',
  },
  '@aws-sdk/client-sesv2': {
    imports: "import { SESv2Client, SendEmailCommand as SendEmailV2Command } from '@aws-sdk/client-sesv2';",
    call: "await new SESv2Client({}).send(new SendEmailV2Command({ Content: { Raw: { Data: new Uint8Array() } } }));",
  },
  '@aws-sdk/client-sqs': {
    imports: "import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';",
    call: "await new SQSClient({}).send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'm' }));",
  },
  '@aws-sdk/client-s3': {
    imports: "import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';",
    call: "await new S3Client({}).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));",
  },
  '@aws-sdk/s3-request-presigner': {
    imports: "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
    call: "await getSignedUrl(new S3Client({}), new GetObjectCommand({ Bucket: 'b', Key: 'k' }));",
  },
};

function sameClientsSource(clients: string[]): string {
  const unknown = clients.filter((c) => !(c in CLIENT_CALLS));
  if (unknown.length > 0) throw new Error(`bench/bundles: no reference call for ${unknown.join(', ')} (add it to CLIENT_CALLS)`);
  const reference = readFileSync(join(root, REFERENCE), 'utf8');
  const needsS3 = clients.includes('@aws-sdk/s3-request-presigner') && !clients.includes('@aws-sdk/client-s3');
  const used = needsS3 ? [...clients, '@aws-sdk/client-s3'] : clients;
  return [
    ...used.map((c) => CLIENT_CALLS[c]!.imports),
    reference.replace(/^export const handler = async \((.*)\) => \{$/m, (line) => `${line}\n  ${used.map((c) => CLIENT_CALLS[c]!.call).join('\n  ')}`),
  ].join('\n');
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
  /** The AWS client packages in the bundle besides DynamoDB's (the stack's fixed SDK clients). */
  clients: string[];
  /** The DynamoDB-only reference with one call per client in `clients`: the same AWS work and nothing else. */
  sameClients: { bytes: number; importMs: number };
  /** Bytes shipped beside the bundle, read only when used (the common-password list): not imported, so not in `importMs`. */
  besideBytes: number;
}

const AWS_CLIENT = /^@aws-sdk\/(client-(?!dynamodb$)[a-z0-9-]+|s3-request-presigner)$/;

/** Bundles every function and the DynamoDB-only reference, and measures each side by side. */
export async function measureBundles(runs = 7): Promise<{ reference: BundleFigure; functions: BundleFigure[]; floor: { bytes: number; importMs: number } }> {
  const outdir = mkdtempSync(join(tmpdir(), 'trust-access-bundles-'));
  try {
    // Every function the CDK makes: routes, scheduled jobs and queue workers.
    const entries = [...new Set([...routes.map((r) => r.handler), ...jobs.map((j) => j.handler), ...queues.map((q) => q.handler)])];
    const referenceFile = await bundle(REFERENCE, outdir);
    const reference: BundleFigure = { entry: REFERENCE, bytes: statSync(referenceFile).size, importMs: 0, clients: [], sameClients: { bytes: 0, importMs: 0 }, besideBytes: 0 };
    const passwordList = statSync(commonPasswordsPath()).size;
    const setsPasswords = new Set(routes.filter((r) => r.commonPasswords).map((r) => r.handler));
    reference.sameClients.bytes = reference.bytes;
    // One "same clients" reference per distinct set of clients, bundled once.
    const yardsticks = new Map<string, { file: string; bytes: number; times: number[] }>([['', { file: referenceFile, bytes: reference.bytes, times: [] }]]);
    const functions: (BundleFigure & { file: string; key: string })[] = [];
    for (const entry of entries) {
      const { file, packages } = await bundleWithPackages(entry, outdir);
      const clients = [...packages].filter((p) => AWS_CLIENT.test(p)).sort();
      const key = clients.join('+');
      if (!yardsticks.has(key)) {
        const name = `bench/reference/same-clients-${yardsticks.size}.ts`;
        const { file: yardstick } = await bundleWithPackages(name, outdir, sameClientsSource(clients));
        yardsticks.set(key, { file: yardstick, bytes: statSync(yardstick).size, times: [] });
      }
      const besideBytes = setsPasswords.has(entry) ? passwordList : 0;
      functions.push({ entry, file, key, bytes: statSync(file).size, importMs: 0, clients, sameClients: { bytes: yardsticks.get(key)!.bytes, importMs: 0 }, besideBytes });
    }
    // Import times interleaved with the references', so machine noise hits both alike.
    for (const fn of functions) {
      yardsticks.get('')!.times.push(importMs(referenceFile, 1));
      if (fn.key !== '') yardsticks.get(fn.key)!.times.push(importMs(yardsticks.get(fn.key)!.file, 1));
      fn.importMs = importMs(fn.file, runs);
    }
    const floorFile = await bundle(SIGN_IN_FLOOR, outdir);
    const floorTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      yardsticks.get('')!.times.push(importMs(referenceFile, 1));
      floorTimes.push(importMs(floorFile, 1));
    }
    reference.importMs = percentile(yardsticks.get('')!.times, 50);
    for (const fn of functions) fn.sameClients.importMs = percentile(yardsticks.get(fn.key)!.times, 50);
    const floor = { bytes: statSync(floorFile).size, importMs: percentile(floorTimes, 50) };
    return { reference, functions: functions.map(({ file: _file, key: _key, ...figure }) => figure), floor };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function benchBundles(): Promise<BenchResult[]> {
  const { reference, functions, floor } = await measureBundles();
  const largest = functions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const slowest = functions.reduce((a, b) => (b.importMs > a.importMs ? b : a));
  const short = (c: string) => c.replace('@aws-sdk/', '').replace('client-cognito-identity-provider', 'cognito').replace('client-', '').replace('s3-request-presigner', 'presign');
  console.table(functions.map((f) => ({
    entry: f.entry.replace('functions/', ''), KB: Math.round(f.bytes / 1024), sizeRatio: Number((f.bytes / reference.bytes).toFixed(2)), importMs: Number(f.importMs.toFixed(1)), importRatio: Number((f.importMs / reference.importMs).toFixed(2)),
    besideKB: Math.round(f.besideBytes / 1024), clients: f.clients.map(short).join('+'), sameClientsKB: Math.round(f.sameClients.bytes / 1024), sizeVsSame: Number((f.bytes / f.sameClients.bytes).toFixed(2)), importVsSame: Number((f.importMs / f.sameClients.importMs).toFixed(2)),
  })));
  return [
    { name: 'bundle: DynamoDB-only reference', unit: 'KB', value: reference.bytes / 1024 },
    { name: 'bundle: DynamoDB-only reference import time', unit: 'ms', value: reference.importMs },
    // Issue 8, point 3: the fixed stack's own floor for a sign-in function, against the same reference.
    { name: `bundle: sign-in floor of the fixed stack (${SIGN_IN_FLOOR})`, unit: 'KB', value: floor.bytes / 1024, baseline: { name: 'reference', value: reference.bytes / 1024 }, ratio: floor.bytes / reference.bytes },
    { name: `import: sign-in floor of the fixed stack (${SIGN_IN_FLOOR})`, unit: 'ms', value: floor.importMs, baseline: { name: 'reference', value: reference.importMs }, ratio: floor.importMs / reference.importMs },
    { name: `bundle: largest function (${largest.entry})`, unit: 'KB', value: largest.bytes / 1024, baseline: { name: 'reference', value: reference.bytes / 1024 }, ratio: largest.bytes / reference.bytes },
    { name: `bundle: slowest import (${slowest.entry})`, unit: 'ms', value: slowest.importMs, baseline: { name: 'reference', value: reference.importMs }, ratio: slowest.importMs / reference.importMs },
    ...functions.map((f) => ({ name: `bundle: ${f.entry}`, unit: 'KB', value: f.bytes / 1024, baseline: { name: 'reference', value: reference.bytes / 1024 }, ratio: f.bytes / reference.bytes })),
    ...functions.filter((f) => f.besideBytes > 0).map((f) => ({ name: `beside the bundle, read on first use: ${f.entry}`, unit: 'KB', value: f.besideBytes / 1024 })),
    ...functions.map((f) => ({ name: `import: ${f.entry}`, unit: 'ms', value: f.importMs, baseline: { name: 'reference', value: reference.importMs }, ratio: f.importMs / reference.importMs })),
    // Against the reference that makes the same AWS calls: the weight of the function's own code and libraries.
    ...functions.filter((f) => f.clients.length > 0).map((f) => ({ name: `bundle vs same clients: ${f.entry}`, unit: 'KB', value: f.bytes / 1024, baseline: { name: `reference + ${f.clients.join(' + ')}`, value: f.sameClients.bytes / 1024 }, ratio: f.bytes / f.sameClients.bytes })),
    ...functions.filter((f) => f.clients.length > 0).map((f) => ({ name: `import vs same clients: ${f.entry}`, unit: 'ms', value: f.importMs, baseline: { name: `reference + ${f.clients.join(' + ')}`, value: f.sameClients.importMs }, ratio: f.importMs / f.sameClients.importMs })),
  ];
}
