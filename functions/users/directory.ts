import { DirectoryIndex, type DirectoryFilters, type DirectoryPage, type SortField, type SortOrder, type DirectoryEntry } from '../../domain/directory/directory-index';
import type { Reach } from '../../domain/access/reach';
import { readDirectory, readWholeDirectory } from '../adapters/dynamo/directory-repository';
import { config } from '../config';

/**
 * The per-container cache of each trust's directory (README "The
 * directory"). The first request for a trust reads every profile of the
 * trust from gsi3 (the cold load, eight change-time ranges in parallel); every later request first reads the
 * profiles changed since its previous refresh, less an overlap
 * (DIRECTORY_OVERLAP_SECONDS) that covers a write stamped before it
 * committed, clock skew and the index's lag, and replaces those entries.
 * A list therefore shows every change committed before the request, give
 * or take the index's propagation (normally well under a second).
 */
interface TrustDirectory {
  index: DirectoryIndex;
  /** This container's clock when the last refresh query started. */
  refreshedAt: number;
  /** The refresh in flight (concurrent requests share it). */
  pending?: Promise<void>;
}

const cache = new Map<string, TrustDirectory>();

/** Where a refresh of a trust's directory stands: read by the bench. */
export const directoryStats = { coldLoads: 0, coldLoadMs: 0, refreshedEntries: 0 };

async function refresh(trustId: string, directory: TrustDirectory): Promise<void> {
  const startedAt = Date.now();
  const since = new Date(directory.refreshedAt - config().DIRECTORY_OVERLAP_SECONDS * 1000).toISOString();
  const changed = await readDirectory(trustId, since);
  for (const entry of changed) directory.index.upsert(entry);
  directoryStats.refreshedEntries += changed.length;
  directory.refreshedAt = startedAt;
}

/** The trust's directory, brought up to date. */
export async function trustDirectory(trustId: string): Promise<DirectoryIndex> {
  let directory = cache.get(trustId);
  if (directory) {
    // Least recently used goes first: re-insert at the end.
    cache.delete(trustId);
    cache.set(trustId, directory);
    directory.pending ??= refresh(trustId, directory).finally(() => (directory!.pending = undefined));
    await directory.pending;
    return directory.index;
  }
  const startedAt = Date.now();
  const index = new DirectoryIndex();
  for (const entry of await readWholeDirectory(trustId)) index.upsert(entry);
  directoryStats.coldLoads++;
  directoryStats.coldLoadMs = Date.now() - startedAt;
  directory = cache.get(trustId) ?? { index, refreshedAt: startedAt };
  cache.set(trustId, directory);
  while (cache.size > config().DIRECTORY_CACHE_TRUSTS) cache.delete(cache.keys().next().value!);
  return directory.index;
}

/** Drops every cached directory (the bench measures cold loads with it). */
export function forgetDirectories(): void {
  cache.clear();
}

export interface DirectoryQuery {
  filters: DirectoryFilters;
  sort: SortField;
  order: SortOrder;
  after?: readonly string[];
  limit: number;
}

/**
 * One page of the people in `reach` matching the query. Takes the reach
 * rather than a caller, so anything that holds a reach (a signed-in person,
 * later an integration client cut to a node) lists with the same rule.
 */
export async function listDirectory(trustId: string, reach: Reach, query: DirectoryQuery): Promise<DirectoryPage> {
  const index = await trustDirectory(trustId);
  return index.page({ reach, ...query });
}

/** Every person in `reach` matching the filters, in order (the export). */
export async function allInDirectory(trustId: string, reach: Reach, query: Omit<DirectoryQuery, 'after' | 'limit'>): Promise<Iterable<DirectoryEntry>> {
  const index = await trustDirectory(trustId);
  return index.all({ reach, ...query });
}
