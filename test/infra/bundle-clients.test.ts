import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, queues, routes } from '../../functions/routes';
import type { TableWrite } from '../../functions/routes';
import { CLIENT_ADMISSION_ACTIONS, PROJECT_ROOT, tableActions } from '../../infra/constructs/service-function';

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
  /** The DynamoDB operations its role is granted (service-function.ts tableActions, plus a client's admission). */
  operations: Set<string>;
}

const declared = (key: string, handler: string, def: {
  table: 'none' | 'read' | 'write'; tableWrites?: readonly TableWrite[]; clientScope?: string; cognito?: readonly unknown[]; cognitoWithToken?: readonly unknown[]; ses?: boolean;
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
  operations: new Set([
    ...(def.table === 'none' ? [] : tableActions(def.table, def.tableWrites)),
    ...(def.clientScope && def.table === 'read' ? CLIENT_ADMISSION_ACTIONS : []),
  ].map((action) => action.replace(/^dynamodb:/, ''))),
});

/**
 * The DynamoDB operations a bundle can send: each command's operation name
 * survives bundling as a string exactly when the command is used. A
 * transaction is authorised item by item, so TransactGetItems needs GetItem
 * and TransactWriteItems the action of each kind of item it carries (below,
 * TRANSACTION_ITEMS); PartiQL is never granted. Scan is not looked for here:
 * lib-dynamodb's `paginateScan` is built at its module's top level, so "Scan"
 * is in every bundle whether called or not (the source check below keeps Scan
 * out instead).
 */
const DYNAMODB_OPERATIONS: Record<string, readonly string[]> = {
  GetItem: ['GetItem'], BatchGetItem: ['BatchGetItem'], Query: ['Query'], TransactGetItems: ['GetItem'],
  PutItem: ['PutItem'], UpdateItem: ['UpdateItem'], DeleteItem: ['DeleteItem'], BatchWriteItem: ['BatchWriteItem'],
  TransactWriteItems: [],
  ExecuteStatement: ['PartiQL'], BatchExecuteStatement: ['PartiQL'], ExecuteTransaction: ['PartiQL'],
};

/**
 * The items of a TransactWriteItems, as our adapters write them: `Delete: {
 * TableName…`, `Put: { ...put(), …}` or `{ Put: put }` (review H, H-12: a
 * Delete item needs dynamodb:DeleteItem). lib-dynamodb's own marshalling
 * table (`Delete: { Key: ALL_VALUES …`) matches none of these.
 */
const TRANSACTION_ITEMS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
const transactionItem = (kind: string) => new RegExp(`\\b${kind}: (?:\\{\\s*(?:TableName|\\.\\.\\.)|[A-Za-z_$][\\w$]*\\s*[},])`);

/** The table's write actions: granted exactly when sent (reads are one level, `read`: every function reads). */
const WRITE_ACTIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

/**
 * Write actions the scan cannot see in a bundle though the function sends
 * them (key: route-table key; each with its reason). None today: every write
 * names its command or its transaction item literally.
 */
const UNSEEN_WRITES: Record<string, readonly string[]> = {};

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
/** Each entry's DynamoDB operations (names of DYNAMODB_OPERATIONS found in its bundle). */
let operations: Map<string, string[]>;
/** Each entry's IAM actions needed by what its bundle sends (a transaction's items counted one by one). */
let needed: Map<string, Set<string>>;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'trust-access-bundle-clients-'));
  const handlers = [...new Set(functions.map((f) => f.handler))];
  const { metafile, outputFiles } = await build({
    entryPoints: handlers.map((h) => path.join(PROJECT_ROOT, h)), outdir, bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', target: 'node24', mainFields: ['module', 'main'], logLevel: 'silent',
  });
  const texts = new Map(outputFiles.map((file) => [file.path, file.text]));
  operations = new Map(Object.entries(metafile.outputs).filter(([, o]) => o.entryPoint).map(([file, output]) => {
    const text = texts.get(path.resolve(file)) ?? '';
    return [output.entryPoint!, Object.keys(DYNAMODB_OPERATIONS).filter((op) => text.includes(`"${op}"`))];
  }));
  needed = new Map(Object.entries(metafile.outputs).filter(([, o]) => o.entryPoint).map(([file, output]) => {
    const text = texts.get(path.resolve(file)) ?? '';
    const sent = operations.get(output.entryPoint!)!;
    const actions = new Set(sent.flatMap((op) => DYNAMODB_OPERATIONS[op]!));
    if (sent.includes('TransactWriteItems')) {
      for (const [kind, action] of Object.entries(TRANSACTION_ITEMS)) if (transactionItem(kind).test(text)) actions.add(action);
    }
    return [output.entryPoint!, actions];
  }));
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

describe('DynamoDB operations in each bundle', () => {
  it('are all granted to its role: a read-only route never writes, except a client request counting itself (review H, H-1)', () => {
    // DynamoDB Local ignores IAM, so an operation the role lacks would only show in AWS, as AccessDenied and a 500.
    const missing: string[] = [];
    for (const fn of functions) {
      const sent = operations.get(fn.handler);
      expect(sent, fn.handler).toBeDefined();
      const needs = [...needed.get(fn.handler)!].filter((action) => !fn.operations.has(action));
      if (needs.length) missing.push(`${fn.key} (${fn.handler}) sends ${sent!.join(', ')}, its role lacks ${needs.join(', ')}`);
    }
    expect(missing).toEqual([]);
  });

  it('are granted no write it cannot send: DeleteItem and BatchWriteItem only where sent (review H, H-12)', () => {
    const unsent: string[] = [];
    for (const fn of functions) {
      const sends = needed.get(fn.handler)!;
      const extra = WRITE_ACTIONS.filter((action) => fn.operations.has(action) && !sends.has(action) && !UNSEEN_WRITES[fn.key]?.includes(action));
      if (extra.length) unsent.push(`${fn.key} (${fn.handler}) is granted ${extra.join(', ')}, which its bundle cannot send`);
    }
    expect(unsent).toEqual([]);
  });

  it('counts the items a transaction carries: a Delete item needs DeleteItem, a ConditionCheck ConditionCheckItem', () => {
    // PATCH /users/{id} changes an email in one transaction that deletes the old EMAIL# claim (profile-writes.ts), and sends no DeleteCommand.
    expect(operations.get('functions/users/update-user.ts')).not.toContain('DeleteItem');
    expect(needed.get('functions/users/update-user.ts')).toContain('DeleteItem');
    // A route that only puts (POST /integrations: the client and its audit record) needs no Delete.
    expect(needed.get('functions/integrations/create-integration.ts')).not.toContain('DeleteItem');
    expect(needed.get('functions/integrations/delete-integration.ts')).toContain('DeleteItem');
    expect(needed.get('functions/users/activate-user.ts')).toContain('ConditionCheckItem');
    // lib-dynamodb's own marshalling table names every item kind; it alone counts for nothing.
    expect(transactionItem('Delete').test('Delete: {\n Key: ALL_VALUES,')).toBe(false);
  });

  it('never come from a Scan: no module of the service imports ScanCommand or paginateScan (every access pattern is a Query on a key)', () => {
    const scanning = [...new Set([...modules.values()].flat())]
      .filter((input) => /^(functions|domain)\//.test(input) && /\b(ScanCommand|paginateScan)\b/.test(readFileSync(path.join(PROJECT_ROOT, input), 'utf8')));
    expect(scanning).toEqual([]);
  });

  it('finds the writes it looks for (a route that creates people sends TransactWriteItems; the client routes UpdateItem)', () => {
    expect(operations.get('functions/users/create-user.ts')).toContain('TransactWriteItems');
    expect(operations.get('functions/authz/check.ts')).toContain('UpdateItem');
    expect(operations.get('functions/nodes/list-nodes.ts')).not.toContain('UpdateItem');
  });
});
