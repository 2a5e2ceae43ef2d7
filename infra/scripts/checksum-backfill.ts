/**
 * The checksum backfill (review C, finding 4): readCounted trusts an index
 * only when it returns the items a counter counts, by number and by the sum
 * of their keys' hashes (functions/adapters/dynamo/counted-index.ts). Node and
 * role items written before the sums existed have a count but no complete
 * sum (the writes since have ADDed their own changes to an absent sum), so
 * readCounted refuses them (409 `concurrent_change`) until this has run.
 *
 * Safe to run again and while the service runs, after the deploy that brings
 * the sums (no older Lambda may still write counts without sums):
 * 1. a consistent Scan reads every node and role item not yet `checksummed`,
 *    with its count and partial sum;
 * 2. a second consistent Scan, started after the first, reads every
 *    membership and assignment and sums their key hashes per node (gsi1pk)
 *    and per custom role (gsi2pk);
 * 3. each counter gets its sum and the mark on the condition that its count
 *    and partial sum are still what step 1 read: every write since the deploy
 *    moves the sum, so an unchanged counter means the Scan of step 2 saw
 *    exactly the items it counts. A counter changed meanwhile, or whose count
 *    disagrees with the items found, is left for the next pass.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../../functions/adapters/dynamo/client';
import { CHECKSUMMED, keyHash, SUM_ATTRIBUTE, type CounterAttribute, type Tally } from '../../functions/adapters/dynamo/counted-index';
import { isConditionFailure } from '../../functions/adapters/dynamo/errors';
import { keys } from '../../functions/adapters/dynamo/keys';

export interface ChecksumBackfillResult {
  /** Counters given their complete sum. */
  written: number;
  /** Counters left as they were after every pass (changed each time, or count and items disagree): run again. */
  left: number;
  passes: number;
}

interface Pending {
  key: { pk: string; sk: string };
  attribute: CounterAttribute;
  /** The index partition whose items the counter counts. */
  index: string;
  count: number;
  /** The partial sum as read (undefined: absent). */
  sum: number | undefined;
}

async function scanAll(input: { FilterExpression: string; ProjectionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> }) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(new ScanCommand({ TableName: tableName(), ...input, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function pendingCounters(): Promise<Pending[]> {
  const items = await scanAll({
    FilterExpression: '(entity = :node OR entity = :role) AND attribute_not_exists(#mark)',
    ProjectionExpression: 'pk, sk, entity, trustId, id, refCount, refSum, holders, holdersSum',
    ExpressionAttributeNames: { '#mark': CHECKSUMMED },
    ExpressionAttributeValues: { ':node': 'node', ':role': 'role' },
  });
  return items.map((item) => {
    const attribute: CounterAttribute = item.entity === 'node' ? 'refCount' : 'holders';
    const trustId = String(item.trustId);
    const id = String(item.id);
    const sum = item[SUM_ATTRIBUTE[attribute]];
    return {
      key: { pk: String(item.pk), sk: String(item.sk) }, attribute,
      index: attribute === 'refCount' ? keys.nodeIndex(trustId, id) : keys.roleIndex(trustId, id),
      count: Number(item[attribute] ?? 0), sum: sum === undefined ? undefined : Number(sum),
    };
  });
}

/** Count and key-hash sum of the indexed items per gsi1pk and per gsi2pk. */
async function indexedTallies(): Promise<Map<string, Tally>> {
  const items = await scanAll({ FilterExpression: 'attribute_exists(gsi1pk) OR attribute_exists(gsi2pk)', ProjectionExpression: 'pk, sk, gsi1pk, gsi2pk' });
  const tallies = new Map<string, Tally>();
  for (const item of items) {
    const hash = keyHash({ pk: String(item.pk), sk: String(item.sk) });
    for (const index of [item.gsi1pk, item.gsi2pk]) {
      if (typeof index !== 'string') continue;
      const tally = tallies.get(index) ?? { count: 0, sum: 0 };
      tallies.set(index, { count: tally.count + 1, sum: tally.sum + hash });
    }
  }
  return tallies;
}

async function complete(counter: Pending, tally: Tally): Promise<boolean> {
  const sumName = SUM_ATTRIBUTE[counter.attribute];
  const count = counter.count === 0 ? '(attribute_not_exists(#count) OR #count = :count)' : '#count = :count';
  const sum = counter.sum === undefined ? 'attribute_not_exists(#sum)' : '#sum = :read';
  try {
    await documentClient().send(new UpdateCommand({
      TableName: tableName(), Key: counter.key,
      UpdateExpression: 'SET #sum = :sum, #mark = :true',
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(#mark) AND ${count} AND ${sum}`,
      ExpressionAttributeNames: { '#count': counter.attribute, '#sum': sumName, '#mark': CHECKSUMMED },
      ExpressionAttributeValues: { ':sum': tally.sum, ':true': true, ':count': counter.count, ...(counter.sum === undefined ? {} : { ':read': counter.sum }) },
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function backfillChecksums(options: { log?: (line: string) => void; maxPasses?: number } = {}): Promise<ChecksumBackfillResult> {
  const log = options.log ?? (() => undefined);
  const maxPasses = options.maxPasses ?? 5;
  let written = 0;
  let left = 0;
  let passes = 0;
  while (passes < maxPasses) {
    passes++;
    const pending = await pendingCounters();
    if (pending.length === 0) {
      left = 0;
      break;
    }
    const tallies = await indexedTallies();
    let done = 0;
    for (const counter of pending) {
      const tally = tallies.get(counter.index) ?? { count: 0, sum: 0 };
      if (tally.count === counter.count && (await complete(counter, tally))) done++;
    }
    written += done;
    left = pending.length - done;
    log(`pass ${passes}: ${pending.length} counters without a complete sum, ${done} completed, ${left} left`);
    if (left === 0) break;
  }
  return { written, left, passes };
}
