import { sortKeyLength, type DirectoryEntry, type SortField, type SortOrder } from '../../domain/directory/directory-index';
import { ForbiddenError, InvalidInputError } from '../../domain/errors';
import { json } from '../http/responses';
import { isClientCaller, userOrClientHandler } from '../http/client-caller';
import { reach } from '../shared/authorize';
import { listDirectory } from './directory';
import { directoryFilters } from './directory-filters';
import { listUsersQuerySchema } from './directory.schema';

const badCursor = () => new InvalidInputError('invalid_cursor', 'The cursor is not one this API gave out for this sort', [{ path: 'query.cursor', message: 'invalid cursor' }]);

/** Opaque cursor: the last row's sort key (its tie-breaks end with the id), with the sort it belongs to. */
export function encodeDirectoryCursor(sort: SortField, order: SortOrder, key: readonly string[]): string {
  return Buffer.from(JSON.stringify({ s: sort, o: order, k: key })).toString('base64url');
}

export function decodeDirectoryCursor(cursor: string, sort: SortField, order: SortOrder): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { s, o, k } = (parsed ?? {}) as { s?: unknown; o?: unknown; k?: unknown };
  if (s !== sort || o !== order || !Array.isArray(k) || k.length !== sortKeyLength[sort] || !k.every((part) => typeof part === 'string' && part.length <= 512)) {
    throw badCursor();
  }
  return k as string[];
}

/** A row of the list (API.md "User summary"). */
export function summaryView(entry: DirectoryEntry) {
  return {
    id: entry.id, firstName: entry.firstName, lastName: entry.lastName, displayName: `${entry.firstName} ${entry.lastName}`, email: entry.email,
    userType: entry.userType, status: entry.status, source: entry.source, edited: entry.edited, mfaEnabled: entry.mfaEnabled,
    primaryNodeId: entry.primaryNodeId, ...(entry.jobTitle ? { jobTitle: entry.jobTitle } : {}), nodeIds: entry.nodeIds,
    // The summary's documented shape (API.md "User summary"): the full form's id, validFrom and grant stay with the reports.
    roles: entry.roles.map((r) => ({ roleId: r.roleId, nodeId: r.nodeId, ...(r.validUntil ? { validUntil: r.validUntil } : {}) })),
    ...(entry.lastSignInAt ? { lastSignInAt: entry.lastSignInAt } : {}), updatedAt: entry.updatedAt, version: entry.version,
  };
}

function clientCut(entry: DirectoryEntry, nodes: ReadonlySet<string>): DirectoryEntry {
  return {
    ...entry, nodeIds: entry.nodeIds.filter((id) => nodes.has(id)), roles: entry.roles.filter((r) => nodes.has(r.nodeId)),
    primaryNodeId: entry.primaryNodeId !== null && nodes.has(entry.primaryNodeId) ? entry.primaryNodeId : null,
    // The job title is the primary place's; outside the client's node it goes too.
    ...(entry.primaryNodeId !== null && nodes.has(entry.primaryNodeId) ? {} : { jobTitle: undefined }),
  };
}

/**
 * The directory: people in the caller's reach of users.view (the canSee rule
 * of GET /users/{id}), filtered, sorted, a page at a time, with the total.
 */
export const handler = userOrClientHandler('users.read', { query: listUsersQuerySchema }, async ({ caller, query }) => {
  // An integration client with users.read lists the people at or under its node, cut by the same rule.
  const scope = isClientCaller(caller) ? caller.reach : reach(caller, 'users.view');
  if (scope.size === 0) throw new ForbiddenError('You need users.view');
  const { limit, cursor, sort, order, ...filters } = query;
  const after = cursor === undefined ? undefined : decodeDirectoryCursor(cursor, sort, order);
  // A client's filters see only what it is shown of each person: places and roles at or under its node (review G, G4).
  const cutFilters = { ...directoryFilters(caller, filters), ...(isClientCaller(caller) ? { within: scope } : {}) };
  const page = await listDirectory(caller.trust.id, scope, { filters: cutFilters, sort, order, after, limit });
  // A client is shown only the places and roles at or under its node (review F, F-10).
  const cut = isClientCaller(caller) ? (entry: DirectoryEntry) => clientCut(entry, scope) : (entry: DirectoryEntry) => entry;
  return json(200, {
    items: page.items.map((entry) => summaryView(cut(entry))),
    nextCursor: page.nextKey ? encodeDirectoryCursor(sort, order, page.nextKey) : null,
    total: page.total,
  });
});
