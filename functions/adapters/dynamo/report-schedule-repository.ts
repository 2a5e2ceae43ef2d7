import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import type { ReportSchedule } from '../../../domain/reports/schedule';
import { auditPut } from './audit-repository';
import { documentClient, queryAll, tableName } from './client';
import { isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';

const FIELDS = [
  'id', 'trustId', 'ownerId', 'report', 'params', 'nodeId', 'cadence', 'dayOfWeek', 'dayOfMonth', 'hour', 'recipientIds', 'skippedNotified', 'skippedPending', 'version', 'createdAt', 'updatedAt',
] as const;

// `skippedPending` is stored as a string set, so runs ADD to it and DELETE from it without reading it (an empty set is no attribute).
function toSchedule(item: Record<string, unknown>): ReportSchedule {
  const schedule = Object.fromEntries(FIELDS.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as unknown as ReportSchedule;
  if (item.skippedPending instanceof Set) schedule.skippedPending = [...(item.skippedPending as Set<string>)].sort();
  return schedule;
}

function item(schedule: ReportSchedule): Record<string, unknown> {
  const { skippedPending, ...rest } = schedule;
  return {
    ...keys.reportSchedule(schedule.trustId, schedule.id), entity: 'report-schedule',
    gsi1pk: keys.reportSchedulesIndex, gsi1sk: `${schedule.trustId}#${schedule.id}`,
    ...Object.fromEntries(FIELDS.filter((f) => rest[f as keyof typeof rest] !== undefined).map((f) => [f, rest[f as keyof typeof rest]])),
    ...(skippedPending?.length ? { skippedPending: new Set(skippedPending) } : {}),
  };
}

/** Creates (expected undefined) or replaces the schedule at `expected` version, with its audit record, in one transaction; false on a version conflict. */
export async function writeSchedule(schedule: ReportSchedule, expected: number | undefined, audit: AuditRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(), Item: item(schedule),
              ...(expected === undefined
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expected } }),
            },
          },
          auditPut(schedule.trustId, audit),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/** Deletes the schedule (at `expected` version when given) with its audit record; false when it changed or went meanwhile. */
export async function writeScheduleDeleted(schedule: ReportSchedule, audit: AuditRecord): Promise<boolean> {
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: tableName(), Key: keys.reportSchedule(schedule.trustId, schedule.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': schedule.version } } },
          auditPut(schedule.trustId, audit),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

export async function getSchedule(trustId: string, id: string): Promise<ReportSchedule | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.reportSchedule(trustId, id), ConsistentRead: true }));
    return Item ? toSchedule(Item) : undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

// A trust's schedules (its own partition, every page; a trust holds a few hundred at most)
export async function listSchedules(trustId: string): Promise<ReportSchedule[]> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.reportSchedulePartition(trustId) }, ConsistentRead: true });
  return items.map(toSchedule);
}

// Every schedule of every trust (gsi1 REPORT_SCHEDULES, every page): the hourly job
export async function listAllSchedules(): Promise<ReportSchedule[]> {
  const items = await queryAll({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.reportSchedulesIndex } });
  return items.map(toSchedule);
}

async function putOnce(key: { pk: string; sk: string }, entity: string, ttlSeconds: number): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key, entity, at: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}

/** Claims one recipient's send of a schedule for one period: true for the first caller only (a conditional put), so no run sends it twice. */
export async function claimRecipientSend(trustId: string, scheduleId: string, period: string, recipientId: string, ttlSeconds: number): Promise<boolean> {
  return putOnce(keys.reportRecipientClaim(trustId, scheduleId, period, recipientId), 'report-recipient-send', ttlSeconds);
}

/** Marks a schedule's period done (every recipient claimed), so later runs that day skip it with one read. */
export async function markPeriodDone(trustId: string, scheduleId: string, period: string, ttlSeconds: number): Promise<void> {
  await putOnce(keys.reportScheduleClaim(trustId, scheduleId, period), 'report-send', ttlSeconds);
}

/** Whether a schedule's period is done (markPeriodDone, or claimed whole by a run before per-recipient claims). */
export async function periodDone(trustId: string, scheduleId: string, period: string): Promise<boolean> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.reportScheduleClaim(trustId, scheduleId, period), ConsistentRead: true }));
    return Item !== undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

/**
 * Keeps skipped recipients the owner is about to be told about (`skippedPending`, a string set), written before
 * the email: if it fails, a later run finds them there and tells the owner then (review D, D10). No version bump:
 * it is the job's bookkeeping.
 */
export async function markSkippedPending(trustId: string, scheduleId: string, recipientIds: string[]): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(), Key: keys.reportSchedule(trustId, scheduleId),
        UpdateExpression: 'ADD skippedPending :ids', ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': new Set(recipientIds) },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
}

/** Once the owner's email is sent: adds recipients to those the owner was told about and takes them out of skippedPending (best effort, no version bump: it is the job's bookkeeping). */
export async function markSkippedNotified(trustId: string, scheduleId: string, recipientIds: string[]): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(), Key: keys.reportSchedule(trustId, scheduleId),
        UpdateExpression: 'SET skippedNotified = list_append(if_not_exists(skippedNotified, :empty), :ids) DELETE skippedPending :told',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': recipientIds, ':empty': [], ':told': new Set(recipientIds) },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) rethrowStoreError(error);
  }
}

// How many schedules a trust holds (its own partition, Select COUNT, every page): POST /report-schedules' cap
export async function countSchedules(trustId: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await documentClient().send(new QueryCommand({
        TableName: tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.reportSchedulePartition(trustId) },
        Select: 'COUNT', ConsistentRead: true, ExclusiveStartKey: start,
      }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    return rethrowStoreError(error);
  }
  return count;
}
