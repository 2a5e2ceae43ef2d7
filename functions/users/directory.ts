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
  /** The refresh in flight (concurrent requests share it when it started after they arrived). */
  pending?: Promise<void>;
  pendingStartedAt?: number;
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
  directory.refreshedAt = Math.max(directory.refreshedAt, startedAt);
}

/**
 * Brings the directory up to what was committed before `arrived`: a refresh
 * that started at or after it is enough (joined if in flight); one that
 * started earlier may have missed a change the request just made (create a
 * person, then list), so the request waits for it and reads again.
 */
async function upToDate(trustId: string, directory: TrustDirectory, arrived: number): Promise<void> {
  for (;;) {
    if (directory.pending) {
      const enough = (directory.pendingStartedAt ?? 0) >= arrived;
      await directory.pending;
      if (enough) return;
      continue;
    }
    if (directory.refreshedAt >= arrived) return;
    directory.pendingStartedAt = Date.now();
    directory.pending = refresh(trustId, directory).finally(() => {
      directory.pending = undefined;
      directory.pendingStartedAt = undefined;
    });
  }
}

/** The trust's directory, with every change committed before this call. */
export async function trustDirectory(trustId: string): Promise<DirectoryIndex> {
  const arrived = Date.now();
  let directory = cache.get(trustId);
  if (!directory) {
    const startedAt = Date.now();
    const index = new DirectoryIndex();
    for (const entry of await readWholeDirectory(trustId)) index.upsert(entry);
    directoryStats.coldLoads++;
    directoryStats.coldLoadMs = Date.now() - startedAt;
    directory = cache.get(trustId);
    if (!directory) {
      // The load started after this call arrived, so it already has every change before it.
      cache.set(trustId, { index, refreshedAt: startedAt });
      while (cache.size > config().DIRECTORY_CACHE_TRUSTS) cache.delete(cache.keys().next().value!);
      return index;
    }
    // Another request's load landed first: bring that one up to date instead.
  }
  // Least recently used goes first: re-insert at the end.
  cache.delete(trustId);
  cache.set(trustId, directory);
  await upToDate(trustId, directory, arrived);
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

/** The people among `ids` that `reach` may see (canSee), from the cached directory: no read per person. */
export async function visibleInDirectory(trustId: string, reach: Reach, ids: Iterable<string>): Promise<DirectoryEntry[]> {
  const index = await trustDirectory(trustId);
  return [...new Set(ids)].flatMap((id) => index.visible(id, reach) ?? []);
}
