/**
 * A trust's directory held in memory: one entry per person (the profile's
 * fields and the denormalised summary), kept in one sorted array per sort
 * field (built on first use, then maintained by binary-search insert and
 * remove as entries change). A page walks the sorted order from the cursor
 * and stops at the limit; `total` is counted in the same walk. Pure: the
 * container cache (functions/users/directory.ts) feeds it from DynamoDB.
 */
import { canSee, type Reach, type VisibleTarget } from '../access/reach';
import type { AccountStatus, UserType } from '../identity/account';
import type { EmailDelivery } from '../identity/email-delivery';
import { normaliseSearch, type DirectoryRole } from './summary';

export interface DirectoryEntry {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  mobile?: string;
  userType: UserType;
  status: AccountStatus;
  source: 'manual' | 'mis';
  edited: boolean;
  mfaEnabled: boolean;
  primaryNodeId: string | null;
  jobTitle?: string;
  nodeIds: string[];
  /** Membership nodes only, the primary first (the export's `schools`). */
  memberOf: string[];
  roles: DirectoryRole[];
  lastSignInAt?: string;
  /** Account dates the reports print (dormant and locked accounts); absent on entries built without them. */
  createdAt?: string;
  acceptedAt?: string;
  lockedAt?: string;
  /** SES reported the address undeliverable (the undeliverable-emails report). */
  emailDelivery?: EmailDelivery;
  updatedAt: string;
  version: number;
  /** When the profile item was last written (the index's sort key): newer replaces older. */
  changedAt: string;
}

export const SORT_FIELDS = ['lastName', 'firstName', 'email', 'status', 'updatedAt', 'lastSignInAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export type SortOrder = 'asc' | 'desc';

export interface DirectoryFilters {
  q?: string;
  /** The node's subtree (the caller computes it from the tree): people placed anywhere in it. */
  subtree?: ReadonlySet<string>;
  roleId?: string;
  /** Only places and roles at these nodes count for `subtree` and `roleId` (an integration client's part of the trust: review G, G4). */
  within?: ReadonlySet<string>;
  userType?: UserType;
  status?: AccountStatus;
  source?: 'manual' | 'mis';
  edited?: boolean;
  includeInactive?: boolean;
}

interface Indexed {
  entry: DirectoryEntry;
  first: string;
  last: string;
  full: string;
  email: string;
  target: VisibleTarget;
  keys: Partial<Record<SortField, string[]>>;
}

/** The sort key of an entry: the field (normalised names), then tie-breaks, always ending with the id, so keys are unique. */
function sortKey(item: Indexed, field: SortField): string[] {
  const { entry } = item;
  switch (field) {
    case 'lastName':
      return [item.last, item.first, entry.id];
    case 'firstName':
      return [item.first, item.last, entry.id];
    case 'email':
      return [item.email, entry.id];
    case 'status':
      return [entry.status, item.last, item.first, entry.id];
    case 'updatedAt':
      return [entry.updatedAt, entry.id];
    case 'lastSignInAt':
      // Never signed in sorts before every time (ascending), after every time (descending).
      return [entry.lastSignInAt ?? '', entry.id];
  }
}

export const sortKeyLength: Record<SortField, number> = { lastName: 3, firstName: 3, email: 2, status: 4, updatedAt: 2, lastSignInAt: 2 };

/** Code-unit order of the key parts, part by part. */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return a.length - b.length;
}

function keyOf(item: Indexed, field: SortField): string[] {
  return (item.keys[field] ??= sortKey(item, field));
}

/** First position whose key is greater than `key` (strictly). */
function upperBound(sorted: readonly Indexed[], field: SortField, key: readonly string[]): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(keyOf(sorted[mid]!, field), key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First position whose key is not less than `key`. */
function lowerBound(sorted: readonly Indexed[], field: SortField, key: readonly string[]): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(keyOf(sorted[mid]!, field), key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export interface DirectoryPage {
  items: DirectoryEntry[];
  /** The sort key of the last item when more matches follow it. */
  nextKey: string[] | null;
  total: number;
}

export class DirectoryIndex {
  private readonly byId = new Map<string, Indexed>();
  private readonly sorted = new Map<SortField, Indexed[]>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): DirectoryEntry | undefined {
    return this.byId.get(id)?.entry;
  }

  /** The person when `reach` may see them (canSee, as a page lists them), else undefined. */
  visible(id: string, reach: Reach): DirectoryEntry | undefined {
    const item = this.byId.get(id);
    return item && canSee(reach, item.target) ? item.entry : undefined;
  }

  /** Adds or replaces a person; an entry older than the one held (by changedAt) is ignored. */
  upsert(entry: DirectoryEntry): void {
    const held = this.byId.get(entry.id);
    if (held && held.entry.changedAt > entry.changedAt) return;
    const first = normaliseSearch(entry.firstName);
    const last = normaliseSearch(entry.lastName);
    const item: Indexed = {
      entry, first, last, full: `${first} ${last}`, email: entry.email.toLowerCase(),
      target: { memberships: entry.nodeIds.map((nodeId) => ({ nodeId })), assignments: [] }, keys: {},
    };
    for (const [field, sorted] of this.sorted) {
      if (held) sorted.splice(lowerBound(sorted, field, keyOf(held, field)), 1);
      sorted.splice(upperBound(sorted, field, keyOf(item, field)), 0, item);
    }
    this.byId.set(entry.id, item);
  }

  private order(field: SortField): Indexed[] {
    let sorted = this.sorted.get(field);
    if (!sorted) {
      sorted = [...this.byId.values()];
      for (const item of sorted) keyOf(item, field);
      sorted.sort((a, b) => compareKeys(a.keys[field]!, b.keys[field]!));
      this.sorted.set(field, sorted);
    }
    return sorted;
  }

  /**
   * One page of the people in `reach` (the canSee rule of a single read)
   * that match every filter, in the sort order, after the cursor key; and
   * how many match in all.
   */
  page(input: { reach: Reach; filters: DirectoryFilters; sort: SortField; order: SortOrder; after?: readonly string[]; limit: number }): DirectoryPage {
    const { reach, filters, sort, order, after, limit } = input;
    const matches = matcher(reach, filters);
    const sorted = this.order(sort);
    const items: DirectoryEntry[] = [];
    let total = 0;
    let more = false;
    // Positions past the cursor: ascending from the first key above it, descending from the last key below it.
    const start = after ? (order === 'asc' ? upperBound(sorted, sort, after) : lowerBound(sorted, sort, after) - 1) : order === 'asc' ? 0 : sorted.length - 1;
    const n = sorted.length;
    for (let step = 0; step < n; step++) {
      const item = sorted[order === 'asc' ? step : n - 1 - step]!;
      if (!matches(item)) continue;
      total++;
      const position = order === 'asc' ? step : n - 1 - step;
      const pastCursor = order === 'asc' ? position >= start : position <= start;
      if (!pastCursor) continue;
      if (items.length < limit) items.push(item.entry);
      else more = true;
    }
    const lastItem = items.length > 0 ? this.byId.get(items[items.length - 1]!.id) : undefined;
    return { items, total, nextKey: more && lastItem ? keyOf(lastItem, sort) : null };
  }

  /** Every match in the sort order (the export), with no page limit. */
  *all(input: { reach: Reach; filters: DirectoryFilters; sort: SortField; order: SortOrder }): Generator<DirectoryEntry> {
    const matches = matcher(input.reach, input.filters);
    const sorted = this.order(input.sort);
    const n = sorted.length;
    for (let step = 0; step < n; step++) {
      const item = sorted[input.order === 'asc' ? step : n - 1 - step]!;
      if (matches(item)) yield item.entry;
    }
  }
}

function matcher(reach: Reach, filters: DirectoryFilters): (item: Indexed) => boolean {
  const q = filters.q === undefined ? '' : normaliseSearch(filters.q);
  const hideInactive = !filters.includeInactive && filters.status !== 'inactive';
  return (item) => {
    const { entry } = item;
    if (hideInactive && entry.status === 'inactive') return false;
    if (filters.status !== undefined && entry.status !== filters.status) return false;
    if (filters.userType !== undefined && entry.userType !== filters.userType) return false;
    if (filters.source !== undefined && entry.source !== filters.source) return false;
    if (filters.edited !== undefined && entry.edited !== filters.edited) return false;
    const counts = (nodeId: string) => filters.within === undefined || filters.within.has(nodeId);
    if (filters.roleId !== undefined && !entry.roles.some((role) => role.roleId === filters.roleId && counts(role.nodeId))) return false;
    if (filters.subtree !== undefined && !entry.nodeIds.some((nodeId) => filters.subtree!.has(nodeId) && counts(nodeId))) return false;
    if (q && !(item.first.startsWith(q) || item.last.startsWith(q) || item.full.startsWith(q) || item.email.startsWith(q))) return false;
    return canSee(reach, item.target);
  };
}
