import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../domain/audit/audit-record';
import { VersionConflictError } from '../../../domain/errors';
import type { Trust } from '../../../domain/org/trust';
import { auditPut } from './audit-repository';
import { documentClient, tableName } from './client';
import { rethrowStoreError } from './errors';
import { keys } from './keys';

/**
 * The trust's name and policies, with the audit record, on the condition that
 * the settings are still at the version the client saw (If-Match); the
 * registry's copy of the name moves in the same transaction. A change of
 * policies also moves `treeVersion`, the version every grant is planned on
 * (grantPlannedOn): a grant judged under the old policies (membersOnly,
 * requireMfaForAdmins) cannot land after the switch, it is planned again.
 */
export async function writeTrustSettings(
  trust: Trust, expectedVersion: number, next: { name: string; policies: Trust['policies'] }, audit: AuditRecord,
): Promise<void> {
  const table = tableName();
  const policiesChanged = JSON.stringify(sortedEntries(trust.policies)) !== JSON.stringify(sortedEntries(next.policies));
  try {
    await documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: keys.trustMeta(trust.id),
              UpdateExpression: `SET #name = :name, policies = :policies, settingsVersion = :next${policiesChanged ? ', treeVersion = treeVersion + :one' : ''}`,
              ConditionExpression: 'attribute_exists(pk) AND (settingsVersion = :expected OR (attribute_not_exists(settingsVersion) AND :expected = :one))',
              ExpressionAttributeNames: { '#name': 'name' },
              ExpressionAttributeValues: { ':name': next.name, ':policies': next.policies, ':next': expectedVersion + 1, ':expected': expectedVersion, ':one': 1 },
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.trustRegistry(trust.id),
              UpdateExpression: 'SET #name = :name',
              ExpressionAttributeNames: { '#name': 'name' },
              ExpressionAttributeValues: { ':name': next.name },
            },
          },
          auditPut(trust.id, audit),
        ],
      }),
    );
  } catch (error) {
    const codes = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.map((r) => r.Code);
    if (codes?.[0] === 'ConditionalCheckFailed') throw new VersionConflictError();
    rethrowStoreError(error);
  }
}

const sortedEntries = (policies: Trust['policies']) => Object.entries(policies).sort(([a], [b]) => a.localeCompare(b));
