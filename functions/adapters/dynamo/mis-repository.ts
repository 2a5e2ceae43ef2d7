import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { VersionConflictError } from '../../../domain/errors';
import type { MisSettings } from '../../../domain/mis/plan';
import { auditPut } from './audit-repository';
import { documentClient, queryAll, tableName } from './client';
import { cancellationCodes, isConditionFailure, rethrowStoreError } from './errors';
import { keys } from './keys';

export interface StoredMisSettings extends MisSettings {
  nodeId: string;
  updatedBy: string;
  updatedAt: string;
  version: number;
}

const FIELDS = ['nodeId', 'enabled', 'orgSourcedId', 'roleMap', 'parents', 'inviteNew', 'leaverGraceDays', 'maxLeaverShare', 'updatedBy', 'updatedAt', 'version'] as const;

function toSettings(item: Record<string, unknown>): StoredMisSettings {
  return Object.fromEntries(FIELDS.map((f) => [f, item[f]])) as unknown as StoredMisSettings;
}

// A school's MIS sync settings
export async function getMisSettings(trustId: string, nodeId: string): Promise<StoredMisSettings | undefined> {
  try {
    const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.misSettings(trustId, nodeId), ConsistentRead: true }));
    return Item ? toSettings(Item) : undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

// Every school's MIS settings of a trust (the nightly job)
export async function listMisSettings(trustId: string): Promise<StoredMisSettings[]> {
  const items = await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.misSettingsPartition(trustId) } });
  return items.map(toSettings);
}

/** The settings with their audit record, on the condition that they are at the version the client saw (0: none yet). */
export async function putMisSettings(trustId: string, settings: StoredMisSettings, audit: AuditRecord): Promise<void> {
  const expected = settings.version - 1;
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: { ...keys.misSettings(trustId, settings.nodeId), entity: 'mis-settings', trustId, ...settings },
              ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
              ...(expected === 0 ? {} : { ExpressionAttributeValues: { ':expected': expected } }),
            },
          },
          auditPut(trustId, audit),
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw new VersionConflictError();
    rethrowStoreError(error);
  }
}

/**
 * Claims a trust's nightly sync for one local date (a conditional put that
 * expires after 40 days): true for the first job run that asks, false for
 * every later or overlapping one.
 */
export async function claimNightlySync(trustId: string, localDate: string, at: string): Promise<boolean> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.misNightly(trustId, localDate), entity: 'mis-nightly', trustId, at, expiresAt: Math.floor(Date.parse(at) / 1000) + 40 * 86_400 },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    return rethrowStoreError(error);
  }
}
