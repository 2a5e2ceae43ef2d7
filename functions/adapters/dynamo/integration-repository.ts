import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { rateWindow, type IntegrationClient } from '../../../domain/integrations/client';
import { auditPut } from './audit-repository';
import { documentClient, queryAll, tableName } from './client';
import { decodeCursor, encodeCursor, ID_KEY } from './cursor';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';

const FIELDS = ['id', 'trustId', 'clientId', 'name', 'nodeId', 'scopes', 'status', 'requestsPerWindow', 'createdBy', 'createdAt'] as const;

function toClient(item: Record<string, unknown>): IntegrationClient {
  return Object.fromEntries(FIELDS.map((f) => [f, item[f]])) as unknown as IntegrationClient;
}

/**
 * A new client: its lookup item by Cognito client id (checked on every
 * request), the trust's list item and the audit record, in one transaction.
 */
export async function writeNewIntegration(client: IntegrationClient, audit: AuditRecord): Promise<void> {
  const fields = Object.fromEntries(FIELDS.map((f) => [f, client[f]]));
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName(), Item: { ...keys.integrationClient(client.clientId), entity: 'integration-client', ...fields }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName(), Item: { ...keys.integration(client.trustId, client.id), entity: 'integration', ...fields }, ConditionExpression: 'attribute_not_exists(pk)' } },
          auditPut(client.trustId, audit),
        ],
      }),
    );
  } catch (error) {
    rethrowStoreError(error);
  }
}

/** A trust's clients, oldest first, one page (strongly consistent: a client just deleted is gone). */
export async function listIntegrations(trustId: string, page: { limit: number; cursor?: string }): Promise<{ items: IntegrationClient[]; nextCursor: string | null }> {
  const start = decodeCursor(page.cursor, ['sk'], { sk: ID_KEY })?.sk;
  try {
    const result = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.integrationPartition(trustId) },
        Limit: page.limit,
        ConsistentRead: true,
        ExclusiveStartKey: start === undefined ? undefined : keys.integration(trustId, start),
      }),
    );
    return { items: (result.Items ?? []).map(toClient), nextCursor: encodeCursor(result.LastEvaluatedKey, ['sk']) };
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** The names of a trust's clients bound to a node (a trust has a handful of clients: one filtered read of its clients' partition). */
export async function integrationsBoundTo(trustId: string, nodeId: string): Promise<string[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk', FilterExpression: 'nodeId = :node', ProjectionExpression: '#name',
    ExpressionAttributeNames: { '#name': 'name' }, ExpressionAttributeValues: { ':pk': keys.integrationPartition(trustId), ':node': nodeId }, ConsistentRead: true,
  });
  return items.map((item) => String(item.name));
}

export async function getIntegration(trustId: string, integrationId: string): Promise<IntegrationClient | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.integration(trustId, integrationId), ConsistentRead: true }));
    return Item ? toClient(Item) : undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/** Deletes both items with the audit record; false when another request deleted it first. */
export async function writeIntegrationDeleted(client: IntegrationClient, audit: AuditRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: tableName(), Key: keys.integration(client.trustId, client.id), ConditionExpression: 'attribute_exists(pk)' } },
          { Delete: { TableName: tableName(), Key: keys.integrationClient(client.clientId) } },
          auditPut(client.trustId, audit),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'TransactionCanceledException') {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
    }
    return rethrowStoreError(error);
  }
}

export type ClientAdmission = { admitted: true; client: IntegrationClient } | { admitted: false; reason: 'unknown' } | { admitted: false; reason: 'throttled'; retryAfter: number };

/**
 * The check every request of a client makes, in one write: the client item
 * must exist (a deleted client's tokens stop at once: nothing is cached), and
 * its fixed-window counter, kept on the same item, must be under the
 * client's limit. Counting in the current window is one UpdateItem; the first
 * request of a new window resets the counter (a second UpdateItem, once per
 * window).
 */
export async function admitClient(clientId: string, windowSeconds: number, now = Date.now()): Promise<ClientAdmission> {
  const window = rateWindow(now, windowSeconds);
  const key = keys.integrationClient(clientId);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { Attributes } = await documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: key,
            UpdateExpression: 'SET rateCount = rateCount + :one',
            ConditionExpression: 'attribute_exists(pk) AND rateWindow = :w AND rateCount < requestsPerWindow',
            ExpressionAttributeValues: { ':one': 1, ':w': window.start },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { admitted: true, client: toClient(Attributes!) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const old = (error as { Item?: Record<string, unknown> }).Item;
        if (!old) return { admitted: false, reason: 'unknown' };
        if (old.rateWindow === window.start) return { admitted: false, reason: 'throttled', retryAfter: window.retryAfter };
      }
      // The first request of this window: start its count (a concurrent request may have done so; then count again).
      try {
        const { Attributes } = await documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: key,
            UpdateExpression: 'SET rateWindow = :w, rateCount = :one',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(rateWindow) OR rateWindow < :w)',
            ExpressionAttributeValues: { ':one': 1, ':w': window.start },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { admitted: true, client: toClient(Attributes!) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return { admitted: false, reason: 'throttled', retryAfter: window.retryAfter };
  } catch (error) {
    return rethrowStoreError(error);
  }
}
