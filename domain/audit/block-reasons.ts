import type { AuditRecord } from './audit-record';

/**
 * A block's reason is safeguarding data (why a member of staff must not see a
 * pupil), readable only by people who manage blocks at that school; the audit
 * trail must not become a way round that. Every action about a block is named
 * `block.*` and carries the block, reason included, in before/after.
 */
export function carriesBlockReason(record: AuditRecord): boolean {
  return record.action.startsWith('block.');
}

/** The record with `reason` taken out of before and after; everything else (who, which pupil, which school) stays. */
export function withoutBlockReason(record: AuditRecord): AuditRecord {
  const strip = (state: unknown) => {
    if (state === null || typeof state !== 'object' || Array.isArray(state) || !('reason' in state)) return state;
    const { reason: _reason, ...rest } = state as Record<string, unknown>;
    return rest;
  };
  return { ...record, before: strip(record.before), after: strip(record.after) };
}
