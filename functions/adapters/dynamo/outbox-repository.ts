import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, queryAll, tableName } from './client';
import { rethrowStoreError } from './errors';
import { keys } from './keys';
import type { TransactItem } from './transaction';

/**
 * The outbox: a service event stored in the same transaction as the change
 * it reports (a lockout), so the event exists exactly when the change does.
 * The notify job raises each through the one notifications path and then
 * deletes it; raising is idempotent by the event's key, so a crash between
 * the two raises nothing twice. It keeps the sign-in functions free of the
 * notifications code and its queue client.
 */
export interface OutboxEvent {
  id: string;
  at: string;
  category: string;
  nodeId: string | null;
  title: string;
  subject: { id: string; firstName: string; lastName: string };
}

export function outboxPut(trustId: string, event: OutboxEvent): TransactItem {
  return { Put: { TableName: tableName(), Item: { ...keys.outboxEntry(trustId, event.at, event.id), entity: 'outbox', trustId, ...event } } };
}

// A trust's waiting service events, oldest first
export async function outboxOf(trustId: string): Promise<(OutboxEvent & { key: { pk: string; sk: string } })[]> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.outboxPartition(trustId) } });
  return items.map((item) => ({
    key: { pk: String(item.pk), sk: String(item.sk) }, id: String(item.id), at: String(item.at), category: String(item.category),
    nodeId: (item.nodeId as string | null) ?? null, title: String(item.title), subject: item.subject as OutboxEvent['subject'],
  }));
}

export async function removeOutboxEntry(key: { pk: string; sk: string }): Promise<void> {
  try {
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key }));
  } catch (error) {
    rethrowStoreError(error);
  }
}
