import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { InvalidInputError } from '../../../domain/errors';
import { documentClient, tableName } from './client';
import { decodeCursor, encodeCursor, TIME_AND_ID_KEY } from './cursor';
import { rethrowStoreError } from './errors';
import { keys } from './keys';

/**
 * The audit record as a transaction item, written beside the change it
 * records; indexed by actor (gsi1) and target (gsi2) with the same sort key,
 * so both filters read only matching records.
 */
export function auditPut(trustId: string, record: AuditRecord) {
  const key = keys.audit(trustId, record.at, record.id);
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...key, entity: 'audit', trustId, ...record,
        gsi1pk: keys.auditByActor(trustId, record.actorId), gsi1sk: key.sk,
        gsi2pk: keys.auditByTarget(trustId, record.targetId), gsi2sk: key.sk,
      },
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

/**
 * Records one request may examine. A page fills up to `limit`; when the
 * caller's reach or the node filter leaves out most records, it stops after
 * this many and answers what it found with a cursor, so a request's cost is
 * bounded. Only then, when none of them matched, can a page be empty while
 * `nextCursor` says there is more (documented in the README).
 */
export const AUDIT_EXAMINE_BUDGET = 2_000;
const READ_PAGE = 200;

// Sort keys are `<ISO time>#<id>`; '~' sorts after every id character.
const lowerBound = (from: string) => new Date(from).toISOString();
const upperBound = (to: string) => `${new Date(to).toISOString()}~`;

/**
 * Audit records of a trust, newest first, in a time range: the trust's audit
 * partition, or the actor index (gsi1) or target index (gsi2) when the query
 * names one, so those filters read only matching records.
 */
export async function listAudit(trustId: string, query: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const index = query.targetId !== undefined ? 'gsi2' : query.actorId !== undefined ? 'gsi1' : undefined;
  const [pkName, skName] = index === 'gsi2' ? ['gsi2pk', 'gsi2sk'] : index === 'gsi1' ? ['gsi1pk', 'gsi1sk'] : ['pk', 'sk'];
  const partition = index === 'gsi2' ? keys.auditByTarget(trustId, query.targetId!) : index === 'gsi1' ? keys.auditByActor(trustId, query.actorId!) : keys.auditPartition(trustId);
  const values: Record<string, unknown> = { ':pk': partition };
  let keyCondition = `${pkName} = :pk`;
  if (query.from && query.to) {
    keyCondition += ` AND ${skName} BETWEEN :from AND :to`;
    Object.assign(values, { ':from': lowerBound(query.from), ':to': upperBound(query.to) });
  } else if (query.from) {
    keyCondition += ` AND ${skName} >= :from`;
    values[':from'] = lowerBound(query.from);
  } else if (query.to) {
    keyCondition += ` AND ${skName} <= :to`;
    values[':to'] = upperBound(query.to);
  }
  const startSk = decodeCursor(query.cursor, ['sk'], { sk: TIME_AND_ID_KEY })?.sk;
  if (startSk !== undefined && ((query.from && startSk < lowerBound(query.from)) || (query.to && startSk > upperBound(query.to)))) {
    throw new InvalidInputError('invalid_cursor', 'The cursor lies outside the from/to range it is used with', [{ path: 'query.cursor', message: 'outside from/to' }]);
  }
  // Filters the key cannot express: the other of actor/target when both are given, and the node.
  const matches = (record: AuditRecord) =>
    (query.actorId === undefined || record.actorId === query.actorId) &&
    (query.targetId === undefined || record.targetId === query.targetId) &&
    (query.nodeId === undefined || record.nodeId === query.nodeId) &&
    (query.visible?.(record) ?? true);
  // Without an in-memory filter every record read is a record answered: read exactly what the page needs.
  const filtered = query.nodeId !== undefined || query.visible !== undefined || (query.actorId !== undefined && query.targetId !== undefined);
  const exclusiveStartOf = (sk: string) => ({ pk: keys.auditPartition(trustId), sk, ...(index ? { [pkName]: partition, [skName]: sk } : {}) });

  const items: AuditRecord[] = [];
  let examined = 0;
  let exclusiveStart: Record<string, unknown> | undefined = startSk === undefined ? undefined : exclusiveStartOf(startSk);
  let lastSk: string | undefined;
  let more = true;
  try {
    while (items.length < query.limit && examined < AUDIT_EXAMINE_BUDGET && more) {
      const result = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: index,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filtered ? Math.min(READ_PAGE, AUDIT_EXAMINE_BUDGET - examined) : query.limit - items.length,
          ExclusiveStartKey: exclusiveStart,
        }),
      );
      const page = result.Items ?? [];
      more = result.LastEvaluatedKey !== undefined;
      for (const item of page) {
        examined++;
        lastSk = String(item.sk);
        const record = toRecord(item);
        if (matches(record)) items.push(record);
        // Stop exactly at the record that filled the page, so the cursor resumes right after it.
        if (items.length === query.limit) {
          more = more || item !== page.at(-1);
          break;
        }
      }
      exclusiveStart = lastSk === undefined ? undefined : exclusiveStartOf(lastSk);
    }
    // A full page that ended exactly where DynamoDB stopped: look one record ahead, so a
    // cursor is only handed out when there is something after it.
    if (more && items.length === query.limit && exclusiveStart) {
      const ahead = await documentClient().send(
        new QueryCommand({ TableName: tableName(), IndexName: index, KeyConditionExpression: keyCondition, ExpressionAttributeValues: values, ScanIndexForward: false, Limit: 1, ExclusiveStartKey: exclusiveStart }),
      );
      more = (ahead.Items ?? []).length > 0;
    }
  } catch (error) {
    return rethrowStoreError(error);
  }
  return { items, nextCursor: more && lastSk !== undefined ? encodeCursor({ sk: lastSk }, ['sk']) : null };
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  const { id, at, actorId, action, targetType, targetId, nodeId, before, after, clientId, bulkId } = item as unknown as AuditRecord;
  return { id, at, actorId, action, targetType, targetId, nodeId: nodeId ?? null, before: before ?? null, after: after ?? null, ...(clientId ? { clientId } : {}), ...(bulkId ? { bulkId } : {}) };
}
