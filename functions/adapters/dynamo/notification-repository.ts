import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredPreferences } from '../../../domain/notifications/preferences';
import { VersionConflictError } from '../../../domain/errors';
import { documentClient, tableName } from './client';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';

// A person's notification preferences
export async function getPreferences(trustId: string, userId: string): Promise<StoredPreferences | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.notificationPreferences(trustId, userId), ConsistentRead: true }));
    if (!Item) return undefined;
    return { categories: (Item.categories ?? {}) as StoredPreferences['categories'], ...(Item.digestHour === undefined ? {} : { digestHour: Item.digestHour as number }), version: Item.version as number };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** The person's choices, on the condition that they are still at the version the client saw (0: none stored yet). */
export async function putPreferences(trustId: string, userId: string, next: Omit<StoredPreferences, 'version'>, expectedVersion: number, now: string): Promise<StoredPreferences> {
  const stored: StoredPreferences = { ...next, version: expectedVersion + 1 };
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.notificationPreferences(trustId, userId), entity: 'notification-preferences', trustId, userId, ...stored, updatedAt: now },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
      }),
    );
    return stored;
  } catch (error) {
    if (isConditionFailure(error)) throw new VersionConflictError();
    return rethrowStoreError(error);
  }
}
