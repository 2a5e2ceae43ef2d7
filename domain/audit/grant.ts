/**
 * Who granted a role assignment and when (issue 13's access-review), kept on
 * the assignment itself so a report never has to search the audit trail:
 * - `recorded`: stamped when granted, from the `role.assigned` audit record
 *   written in the same transaction (its actor and time);
 * - `backfilled`: an assignment older than the stamp, filled once by the
 *   summary-v3 migration from its `role.assigned` record;
 * - `missing`: no `role.assigned` record exists for it (the migration found
 *   none, or the write that made it recorded none): who granted it is
 *   unknown, and the report says so rather than guessing.
 */
import type { Assignment } from '../access/model';

export const GRANT_RECORDS = ['recorded', 'backfilled', 'missing'] as const;
export type GrantRecordKind = (typeof GRANT_RECORDS)[number];

export interface GrantStamp {
  grantRecord: GrantRecordKind;
  /** The granter's id (the audit record's actorId); absent when missing. */
  grantedBy?: string;
  /** When it was granted (the audit record's time); absent when missing. */
  grantedAt?: string;
}

/** What grant matching reads of an audit record. */
export interface GrantAudit {
  action: string;
  actorId: string;
  targetId: string;
  at: string;
  after: unknown;
}

const assignmentIdOf = (after: unknown): string | undefined => {
  if (!after || typeof after !== 'object') return undefined;
  const id = (after as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
};

/** The key grants are matched by: the person (audit target) and the assignment id (the record's `after.id`). */
export const grantKey = (personId: string, assignmentId: string): string => `${personId}#${assignmentId}`;

/** The earliest `role.assigned` record of each (person, assignment id) among `records`: who granted it and when. */
export function grantIndex<R extends GrantAudit>(records: Iterable<R>): Map<string, R> {
  const index = new Map<string, R>();
  for (const record of records) {
    if (record.action !== 'role.assigned') continue;
    const id = assignmentIdOf(record.after);
    if (id === undefined) continue;
    const key = grantKey(record.targetId, id);
    const seen = index.get(key);
    if (!seen || record.at < seen.at) index.set(key, record);
  }
  return index;
}

/** A stamp from a matched audit record, or `missing` without one. */
export function stampOf(record: GrantAudit | undefined, kind: Exclude<GrantRecordKind, 'missing'>): GrantStamp {
  return record ? { grantRecord: kind, grantedBy: record.actorId, grantedAt: record.at } : { grantRecord: 'missing' };
}

/**
 * The stamps of the assignments a write puts, from the write's own audit
 * records: each put matched to its `role.assigned` record (same person,
 * same assignment id) is `recorded` with that record's actor and time. A put
 * without one keeps the stamp it already had (`before`: the same assignment
 * written again), else is `missing`: never invented.
 */
export function stampGrants(
  personId: string,
  puts: readonly Pick<Assignment, 'id'>[],
  audit: readonly GrantAudit[],
  before: ReadonlyMap<string, GrantStamp> = new Map(),
): Map<string, GrantStamp> {
  const index = grantIndex(audit);
  return new Map(
    puts.map((assignment) => {
      const record = index.get(grantKey(personId, assignment.id));
      return [assignment.id, record ? stampOf(record, 'recorded') : (before.get(assignment.id) ?? { grantRecord: 'missing' })];
    }),
  );
}

/** A stamp as stored on an item, or undefined when the item has none (written before stamps existed). */
export function readStamp(item: Record<string, unknown>): GrantStamp | undefined {
  const kind = item.grantRecord;
  if (typeof kind !== 'string' || !(GRANT_RECORDS as readonly string[]).includes(kind)) return undefined;
  return {
    grantRecord: kind as GrantRecordKind,
    ...(typeof item.grantedBy === 'string' ? { grantedBy: item.grantedBy } : {}),
    ...(typeof item.grantedAt === 'string' ? { grantedAt: item.grantedAt } : {}),
  };
}
