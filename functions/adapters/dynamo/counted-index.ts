import { createHash } from 'node:crypto';
import { GetCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../domain/errors';
import { documentClient, queryAll, tableName } from './client';
import { rethrowStoreError } from './errors';
import type { Key } from './keys';

/** How often, and how long apart, an index that lags its counter is read again before giving up. */
const ATTEMPTS = 6;
const WAIT_MS = 50;

/** The attribute person writes ADD to: a node's `refCount`, a custom role's `holders`. */
export type CounterAttribute = 'refCount' | 'holders';

/** Beside each counter, the sum of keyHash over the items it counts, ADDed in the same transactions. */
export const SUM_ATTRIBUTE = { refCount: 'refSum', holders: 'holdersSum' } as const satisfies Record<CounterAttribute, string>;

/**
 * Set on a node or role item whose sum is complete: written at creation, and
 * by `npm run migrate:checksums` on items from before the sums existed (whose
 * sum holds only the changes made since, so it cannot be trusted).
 */
export const CHECKSUMMED = 'checksummed';

export interface Counter {
  key: Key;
  attribute: CounterAttribute;
}

/** A counter and its checksum as read together; condition the write on both (counterUnchanged). */
export interface Tally {
  count: number;
  sum: number;
}

export interface CountedRead {
  items: Record<string, unknown>[];
  seen: Tally;
}

/**
 * An item's contribution to its counter's checksum: 32 bits of the SHA-256 of
 * its primary key. 32, not 48: a sum of 48-bit values passes 2^53 after 32
 * items and would no longer be exact as a JavaScript number (DynamoDB keeps it
 * exact, the document client refuses to read it); 2^21 items of 32 bits stay
 * exact, more than any node or role holds. A stale index that still matches
 * the count passes the sum only by a 1-in-2^32 accident of random ids.
 */
export function keyHash(key: Key): number {
  return createHash('sha256').update(`${key.pk}\n${key.sk}`).digest().readUInt32BE(0);
}

/** The count and checksum of items as the index returned them. */
export function tallyOf(items: readonly Record<string, unknown>[]): Tally {
  let sum = 0;
  for (const item of items) sum += keyHash({ pk: String(item.pk), sk: String(item.sk) });
  return { count: items.length, sum };
}

/** Whether the index returned exactly the items the counter counts (same number, same checksum). */
export function indexMatches(seen: Tally, items: readonly Record<string, unknown>[]): boolean {
  const read = tallyOf(items);
  return read.count === seen.count && read.sum === seen.sum;
}

/** The counter and checksum of a node or role item; undefined when its sum is not known complete (not yet migrated). */
export function tallyOfCounter(item: Record<string, unknown> | undefined, attribute: CounterAttribute): Tally | undefined {
  const count = Number(item?.[attribute] ?? 0);
  const sum = Number(item?.[SUM_ATTRIBUTE[attribute]] ?? 0);
  if (item?.[CHECKSUMMED] !== true) return count === 0 && sum === 0 ? { count, sum } : undefined;
  return { count, sum };
}

/**
 * Reads through a GSI the items a base-table counter counts. A GSI is
 * eventually consistent, so a holder added a moment ago may be missing from
 * it and one removed may still be listed; a decision that must see every
 * holder (who gains from a move or a role widening) reads the counter and its
 * checksum (the sum of keyHash over the counted items) with a consistent
 * GetItem first and trusts the index only once it holds exactly those items:
 * the same count and the same sum (a count alone passes one removal plus one
 * addition the index has not caught up with). It reads again a few times
 * before answering 409 `concurrent_change`. The write is then conditioned on
 * the counter and sum still being `seen` (counterUnchanged), so a holder
 * added after the read makes it fail and the plan run again. A counter whose
 * sum is not known complete (an item from before the sums, not yet migrated)
 * is refused the same way: failing closed, never a guess.
 */
export async function readCounted(counter: Counter, query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<CountedRead> {
  for (let attempt = 1; ; attempt++) {
    let seen: Tally | undefined;
    try {
      const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: counter.key, ConsistentRead: true }));
      seen = tallyOfCounter(Item, counter.attribute);
    } catch (error) {
      return rethrowStoreError(error);
    }
    if (!seen) throw new ConflictError('concurrent_change', 'Holders of this node or role are not checksummed yet (npm run migrate:checksums); try again later');
    const items = await queryAll(query);
    if (indexMatches(seen, items)) return { items, seen };
    if (attempt >= ATTEMPTS) throw new ConflictError('concurrent_change', 'Holders are still being indexed; try again in a moment');
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS * attempt));
  }
}

/** The condition that a counter and its checksum are still what readCounted saw (absent counts as zero). */
export function counterUnchanged(attribute: CounterAttribute, seen: Tally, prefix: string): { expression: string; values: Record<string, number> } {
  const sumAttribute = SUM_ATTRIBUTE[attribute];
  const equal = (name: string, placeholder: string, value: number) =>
    value === 0 ? `(attribute_not_exists(${name}) OR ${name} = ${placeholder})` : `${name} = ${placeholder}`;
  return {
    expression: `${equal(attribute, `${prefix}Count`, seen.count)} AND ${equal(sumAttribute, `${prefix}Sum`, seen.sum)}`,
    values: { [`${prefix}Count`]: seen.count, [`${prefix}Sum`]: seen.sum },
  };
}
