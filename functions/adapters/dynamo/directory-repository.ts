import type { DirectoryEntry } from '../../../domain/directory/directory-index';
import type { DirectorySummary } from '../../../domain/directory/summary';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, queryAll, tableName } from './client';
import { rethrowStoreError } from './errors';
import { keys } from './keys';

/** A profile item as the directory holds it: the profile's own fields and its denormalised summary. */
export function toDirectoryEntry(item: Record<string, unknown>): DirectoryEntry {
  const summary = (item.directory ?? {}) as Partial<DirectorySummary>;
  return {
    id: String(item.id),
    firstName: String(item.firstName ?? ''),
    lastName: String(item.lastName ?? ''),
    email: String(item.email ?? ''),
    ...(typeof item.mobile === 'string' ? { mobile: item.mobile } : {}),
    userType: item.userType as DirectoryEntry['userType'],
    status: item.status as DirectoryEntry['status'],
    source: (item.source ?? 'manual') as DirectoryEntry['source'],
    edited: item.edited === true,
    mfaEnabled: item.mfaEnabled === true,
    primaryNodeId: summary.primaryNodeId ?? null,
    ...(summary.jobTitle ? { jobTitle: summary.jobTitle } : {}),
    nodeIds: summary.nodeIds ?? [],
    memberOf: summary.memberOf ?? [],
    roles: summary.roles ?? [],
    ...(typeof item.lastSignInAt === 'string' ? { lastSignInAt: item.lastSignInAt } : {}),
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
    ...(typeof item.acceptedAt === 'string' ? { acceptedAt: item.acceptedAt } : {}),
    ...(typeof item.lockedAt === 'string' ? { lockedAt: item.lockedAt } : {}),
    ...(item.emailDelivery && typeof item.emailDelivery === 'object' ? { emailDelivery: item.emailDelivery as DirectoryEntry['emailDelivery'] } : {}),
    updatedAt: String(item.updatedAt ?? item.createdAt ?? ''),
    version: Number(item.version ?? 0),
    changedAt: String(item.gsi3sk ?? ''),
  };
}

const DIRECTORY_FIELDS = [
  'id', 'firstName', 'lastName', 'email', 'mobile', 'userType', 'status', 'source', 'edited', 'mfaEnabled',
  'directory', 'lastSignInAt', 'updatedAt', 'createdAt', 'version', 'gsi3sk', 'acceptedAt', 'lockedAt', 'emailDelivery',
];

const names = Object.fromEntries(DIRECTORY_FIELDS.map((field, i) => [`#f${i}`, field]));

/** One gsi3 Query of a trust's profiles (every page), by a condition on the change time. */
async function queryDirectory(trustId: string, range: string, values: Record<string, string>): Promise<DirectoryEntry[]> {
  const items = await queryAll({
    IndexName: 'gsi3',
    KeyConditionExpression: `gsi3pk = :pk${range}`,
    ExpressionAttributeValues: { ':pk': keys.directoryIndex(trustId), ...values },
    // Only what the directory shows: token hashes, MFA sessions and the like never leave the table.
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
  });
  return items.map(toDirectoryEntry);
}

// A trust's profiles changed at or after `since`: gsi3, every page (the cache's refresh)
export async function readDirectory(trustId: string, since: string): Promise<DirectoryEntry[]> {
  return queryDirectory(trustId, ' AND gsi3sk >= :since', { ':since': since });
}

// The earliest or latest change time of a trust's profiles: gsi3, one item
async function edgeChange(trustId: string, forward: boolean): Promise<string | undefined> {
  try {
    const { Items } = await documentClient().send(
      new QueryCommand({
        TableName: tableName(), IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :pk', ExpressionAttributeValues: { ':pk': keys.directoryIndex(trustId) },
        ScanIndexForward: forward, Limit: 1, ProjectionExpression: 'gsi3sk',
      }),
    );
    return Items?.[0] ? String(Items[0].gsi3sk) : undefined;
  } catch (error) {
    return rethrowStoreError(error);
  }
}

// Every profile of a trust (the cache's cold load): gsi3, in `segments` change-time ranges read in parallel
/**
 * A profile rewritten while the load runs may be read in its old range, its
 * new one, both (the later change time wins) or neither; the refresh that
 * follows re-reads everything changed since the load began, so it is never
 * lost.
 */
export async function readWholeDirectory(trustId: string, segments = 8): Promise<DirectoryEntry[]> {
  const [first, last] = await Promise.all([edgeChange(trustId, true), edgeChange(trustId, false)]);
  if (first === undefined || last === undefined) return [];
  const low = Date.parse(first);
  const high = Date.parse(last);
  if (!(high - low > segments) || Number.isNaN(low) || Number.isNaN(high)) return queryDirectory(trustId, '', {});
  // Millisecond bounds (every stamp is toISOString): range i is [bound i, bound i+1 − 1 ms]; the last one is open-ended.
  const bounds = Array.from({ length: segments }, (_, i) => low + Math.floor(((high - low) * i) / segments));
  const iso = (ms: number) => new Date(ms).toISOString();
  const parts = await Promise.all(
    bounds.map((from, i) =>
      i === 0
        ? queryDirectory(trustId, ' AND gsi3sk < :to', { ':to': iso(bounds[1]!) })
        : i === segments - 1
          ? queryDirectory(trustId, ' AND gsi3sk >= :from', { ':from': iso(from) })
          : queryDirectory(trustId, ' AND gsi3sk BETWEEN :from AND :to', { ':from': iso(from), ':to': iso(bounds[i + 1]! - 1) }),
    ),
  );
  return parts.flat();
}
