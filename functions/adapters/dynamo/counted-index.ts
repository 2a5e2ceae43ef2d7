import { GetCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../domain/errors';
import { documentClient, queryAll, tableName } from './client';
import { rethrowStoreError } from './errors';
import type { Key } from './keys';

/** How often, and how long apart, an index that lags its counter is read again before giving up. */
const ATTEMPTS = 6;
const WAIT_MS = 50;

export interface Counter {
  key: Key;
  /** The attribute person writes ADD to: a node's `refCount`, a custom role's `holders`. */
  attribute: 'refCount' | 'holders';
}

export interface CountedRead {
  items: Record<string, unknown>[];
  /** The counter as read; condition the write on it (counterUnchanged). */
  seen: number;
}

/**
 * Reads through a GSI the items a base-table counter counts. A GSI is
 * eventually consistent, so a holder added a moment ago may be missing from
 * it; a decision that must see every holder (who gains from a move or a role
 * widening) reads the counter with a consistent GetItem first and trusts the
 * index only once it holds at least that many items, reading again a few
 * times before answering 409 `concurrent_change`. The write is then
 * conditioned on the counter still being `seen` (counterUnchanged), so a
 * holder added after the read makes it fail and the plan run again.
 */
export async function readCounted(counter: Counter, query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<CountedRead> {
  for (let attempt = 1; ; attempt++) {
    let seen: number;
    try {
      const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: counter.key, ConsistentRead: true }));
      seen = Number(Item?.[counter.attribute] ?? 0);
    } catch (error) {
      return rethrowStoreError(error);
    }
    const items = await queryAll(query);
    if (items.length >= seen) return { items, seen };
    if (attempt >= ATTEMPTS) throw new ConflictError('concurrent_change', 'Holders are still being indexed; try again in a moment');
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS * attempt));
  }
}

/** The condition that a counter is still what readCounted saw (absent counts as zero). */
export function counterUnchanged(attribute: Counter['attribute'], seen: number, placeholder: string): { expression: string; values: Record<string, number> } {
  const expression = seen === 0 ? `(attribute_not_exists(${attribute}) OR ${attribute} = ${placeholder})` : `${attribute} = ${placeholder}`;
  return { expression, values: { [placeholder]: seen } };
}
