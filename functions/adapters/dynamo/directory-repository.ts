import type { DirectoryEntry } from '../../../domain/directory/directory-index';
import type { DirectorySummary } from '../../../domain/directory/summary';
import { queryAll } from './client';
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
    updatedAt: String(item.updatedAt ?? item.createdAt ?? ''),
    version: Number(item.version ?? 0),
    changedAt: String(item.gsi3sk ?? ''),
  };
}

const DIRECTORY_FIELDS = [
  'id', 'firstName', 'lastName', 'email', 'mobile', 'userType', 'status', 'source', 'edited', 'mfaEnabled',
  'directory', 'lastSignInAt', 'updatedAt', 'createdAt', 'version', 'gsi3sk',
];

// A trust's profiles changed at or after `since` (all of them without): gsi3, every page
export async function readDirectory(trustId: string, since?: string): Promise<DirectoryEntry[]> {
  const names = Object.fromEntries(DIRECTORY_FIELDS.map((field, i) => [`#f${i}`, field]));
  const items = await queryAll({
    IndexName: 'gsi3',
    KeyConditionExpression: since === undefined ? 'gsi3pk = :pk' : 'gsi3pk = :pk AND gsi3sk >= :since',
    ExpressionAttributeValues: { ':pk': keys.directoryIndex(trustId), ...(since === undefined ? {} : { ':since': since }) },
    // Only what the directory shows: token hashes, MFA sessions and the like never leave the table.
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
  });
  return items.map(toDirectoryEntry);
}
