import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client';
import { rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * The outbox: service events stored in the same transaction as the change
 * they report (a lockout, a 2FA reset, a sensitive grant, a role widening,
 * an MIS run finished),
 * so the events exist exactly when the change does: a function that dies
 * after its commit loses none. The notify job raises each through the one
 * notifications path and then deletes the entry; raising is idempotent by
 * the event's key, so a crash between the two raises nothing twice. It keeps
 * the functions that change people free of the notifications code and its
 * queue client.
 */
export interface OutboxEvent {
  category: string;
  nodeId: string | null;
  title: string;
  /** The person the event is about: their name starts its title. None for an event about a role. */
  subject?: { id: string; firstName: string; lastName: string };
  /** The event's idempotency key without `service:` (a re-run that reports the same stored change raises it once); by default the entry's id. */
  key?: string;
  summary?: string;
  /** A path in the apps the feed entry links to (an MIS run). */
  link?: string;
  /** Who sends it, as the feed shows (`service:<senderId>`); by default the category. */
  senderId?: string;
}

export interface OutboxEntry {
  key: { pk: string; sk: string };
  id: string;
  at: string;
  events: OutboxEvent[];
}

/**
 * One outbox item for the events of one change, however many places it
 * tells (a grant at several schools): a change adds one item to its
 * transaction, never one per event. Unconditional: it cannot fail the change.
 */
export function outboxPut(trustId: string, at: string, id: string, events: readonly OutboxEvent[]): TransactItem {
  return { Put: { TableName: tableName(), Item: { ...keys.outboxEntry(trustId, at, id), entity: 'outbox', trustId, id, at, events } } };
}

/** A trust's oldest waiting outbox entries, at most `limit` (one Query page). */
export async function outboxOf(trustId: string, limit: number): Promise<OutboxEntry[]> {
  try {
    const { Items = [] } = await documentClient().send(new QueryCommand({
      TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.outboxPartition(trustId) }, Limit: limit,
    }));
    return Items.map((item) => ({
      key: { pk: String(item.pk), sk: String(item.sk) }, id: String(item.id), at: String(item.at),
      events: item.events as OutboxEvent[],
    }));
  } catch (error) {
    return rethrowStoreError(error);
  }
}

export async function removeOutboxEntry(key: { pk: string; sk: string }): Promise<void> {
  try {
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key }));
  } catch (error) {
    rethrowStoreError(error);
  }
}
