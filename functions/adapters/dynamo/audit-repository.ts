import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { documentClient, tableName } from './client';
import { decodeCursor, encodeCursor } from './cursor';
import { rethrowStoreError } from './errors';
import { keys } from './keys';

/** The audit record as a transaction item, written beside the change it records. */
export function auditPut(trustId: string, record: AuditRecord) {
  return {
    Put: {
      TableName: tableName(),
      Item: { ...keys.audit(trustId, record.at, record.id), entity: 'audit', trustId, ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export interface AuditQuery {
  nodeId?: string;
  actorId?: string;
  targetId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
  /** Report scoping: records outside the caller's reach are skipped. */
  visible?: (record: AuditRecord) => boolean;
}

const MAX_PAGES_PER_REQUEST = 20;

// Audit records of a trust, newest first, optionally in a time range and filtered
export async function listAudit(trustId: string, query: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const start = decodeCursor(query.cursor, ['sk']);
  const filters = (['nodeId', 'actorId', 'targetId'] as const).filter((field) => query[field] !== undefined);
  const values: Record<string, unknown> = { ':pk': keys.auditPartition(trustId) };
  let keyCondition = 'pk = :pk';
  // Sort keys are `<ISO time>#<id>`; '~' sorts after every id character.
  if (query.from && query.to) {
    keyCondition += ' AND sk BETWEEN :from AND :to';
    Object.assign(values, { ':from': new Date(query.from).toISOString(), ':to': `${new Date(query.to).toISOString()}~` });
  } else if (query.from) {
    keyCondition += ' AND sk >= :from';
    values[':from'] = new Date(query.from).toISOString();
  } else if (query.to) {
    keyCondition += ' AND sk <= :to';
    values[':to'] = `${new Date(query.to).toISOString()}~`;
  }
  filters.forEach((field) => (values[`:${field}`] = query[field]));
  const items: AuditRecord[] = [];
  let exclusiveStart: Record<string, unknown> | undefined = start && { pk: values[':pk'], sk: start.sk };
  let lastKey: Record<string, unknown> | undefined;
  try {
    for (let page = 0; page < MAX_PAGES_PER_REQUEST && items.length < query.limit; page++) {
      const result = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: keyCondition,
          FilterExpression: filters.length ? filters.map((f) => `${f} = :${f}`).join(' AND ') : undefined,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExclusiveStartKey: exclusiveStart,
        }),
      );
      items.push(...(result.Items ?? []).map(toRecord).filter((record) => query.visible?.(record) ?? true));
      lastKey = result.LastEvaluatedKey;
      if (!lastKey) break;
      exclusiveStart = lastKey;
    }
  } catch (error) {
    return rethrowStoreError(error);
  }
  return { items, nextCursor: encodeCursor(lastKey, ['sk']) };
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  const { id, at, actorId, action, targetType, targetId, nodeId, before, after } = item as unknown as AuditRecord;
  return { id, at, actorId, action, targetType, targetId, nodeId: nodeId ?? null, before: before ?? null, after: after ?? null };
}
