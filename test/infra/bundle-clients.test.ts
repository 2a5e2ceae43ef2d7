import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, queues, routes } from '../../functions/routes';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';

/**
 * Every function bundles exactly the AWS clients its route-table entry
 * declares, no more (issue 8: "clients a function never uses" weigh on every
 * cold start) and no fewer (a declaration nobody uses is a grant nobody
 * needs). A module that mixes two flows (sending links and following them)
 * drags one flow's client into the other's functions; this is what catches
 * it. One esbuild pass over every handler, for the import graph only.
 */
type Client = 'dynamodb' | 'cognito' | 'ses' | 'sqs' | 's3';

const PACKAGES: Record<string, Client> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-cognito-identity-provider': 'cognito',
  '@aws-sdk/client-ses': 'ses',
  '@aws-sdk/client-sesv2': 'ses',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-s3': 's3',
};

interface Declared {
  key: string;
  handler: string;
  clients: Set<Client>;
}

const declared = (key: string, handler: string, def: {
  table: 'none' | 'read' | 'write'; cognito?: readonly unknown[]; cognitoWithToken?: readonly unknown[]; ses?: boolean;
  queues?: readonly unknown[]; exportBucket?: true; rosterBucket?: 'read' | 'write'; reportFiles?: 'read' | 'write';
}): Declared => ({
  key, handler,
  clients: new Set<Client>([
    ...(def.table !== 'none' ? ['dynamodb' as const] : []),
    ...(def.cognito?.length || def.cognitoWithToken?.length ? ['cognito' as const] : []),
    ...(def.ses ? ['ses' as const] : []),
    ...(def.queues?.length ? ['sqs' as const] : []),
    ...(def.exportBucket || def.rosterBucket || def.reportFiles ? ['s3' as const] : []),
  ]),
});

const functions: Declared[] = [
  ...routes.map((r) => declared(`${r.method} ${r.path}`, r.handler, r)),
  ...jobs.map((j) => declared(`job ${j.name}`, j.handler, j)),
  // A queue worker may send to its own queue (a continuation) and to those it names.
  ...queues.map((q) => declared(`queue ${q.name}`, q.handler, { ...q, queues: q.sends ?? [] })),
];

let outdir: string;
let bundled: Map<string, Set<Client>>;
/** Each entry's bundled modules (project files and packages alike). */
let modules: Map<string, string[]>;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'trust-access-bundle-clients-'));
  const handlers = [...new Set(functions.map((f) => f.handler))];
  const { metafile } = await build({
    entryPoints: handlers.map((h) => path.join(PROJECT_ROOT, h)), outdir, bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', target: 'node24', mainFields: ['module', 'main'], logLevel: 'silent',
  });
  modules = new Map(Object.values(metafile.outputs).filter((o) => o.entryPoint).map((o) => [o.entryPoint!, Object.keys(o.inputs)]));
  bundled = new Map(Object.values(metafile.outputs).filter((o) => o.entryPoint).map((output) => {
    const clients = new Set<Client>();
    // A client counts when any of its code is left after tree-shaking (an import nobody calls leaves none).
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name && name in PACKAGES && bytesInOutput > 0) clients.add(PACKAGES[name]!);
    }
    return [output.entryPoint!, clients];
  }));
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('AWS clients in each bundle', () => {
  it('are exactly those its route-table entry declares (a queue worker may also use SQS to continue on its own queue)', () => {
    const mismatches: string[] = [];
    for (const fn of functions) {
      const has = bundled.get(fn.handler);
      expect(has, fn.handler).toBeDefined();
      const expected = new Set(fn.clients);
      if (fn.key.startsWith('queue ') && has!.has('sqs')) expected.add('sqs');
      const extra = [...has!].filter((c) => !expected.has(c));
      const unused = [...expected].filter((c) => !has!.has(c));
      if (extra.length || unused.length) mismatches.push(`${fn.key} (${fn.handler}): bundles undeclared [${extra.join(', ')}], declares unused [${unused.join(', ')}]`);
    }
    expect(mismatches).toEqual([]);
  });

  it("never bundles another function's handler module (its middleware chain, schemas and clients come with it)", () => {
    const handlers = new Set(functions.map((f) => f.handler));
    const dragged = [...modules].flatMap(([entry, inputs]) => inputs.filter((input) => input !== entry && handlers.has(input)).map((input) => `${entry} bundles ${input}`));
    expect(dragged).toEqual([]);
  });

  it('keeps Cognito out of the functions that only send links, and SES out of those that only follow an invitation', () => {
    // The split this test was written for: link-sending.ts (SES) and invitation-acceptance.ts (Cognito) share links.ts only.
    for (const handler of ['functions/auth/password-reset.ts', 'functions/users/send-invitation.ts', 'functions/users/admin-password-reset.ts']) {
      expect(bundled.get(handler)?.has('cognito'), handler).toBe(false);
    }
    for (const handler of ['functions/auth/accept-invitation.ts', 'functions/pages/invite-submit.ts']) {
      expect(bundled.get(handler)?.has('ses'), handler).toBe(false);
    }
    // The CSV import's preview and apply route plans rows and queues them; the worker creates the logins and sends invitations.
    expect([...bundled.get('functions/users/import-users.ts')!].sort()).toEqual(['dynamodb', 'sqs']);
  });
});
