/** Who did what to which record, where, with the state before and after. */
export interface AuditRecord {
  id: string;
  at: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  nodeId: string | null;
  before: unknown;
  after: unknown;
  /** The POST /users/bulk request this change was part of: one id shared by every person's records. */
  bulkId?: string;
}

export function auditRecord(input: Omit<AuditRecord, 'before' | 'after'> & { before?: unknown; after?: unknown }): AuditRecord {
  return { ...input, before: input.before ?? null, after: input.after ?? null };
}
