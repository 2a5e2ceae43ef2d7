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
}

export function auditRecord(input: Omit<AuditRecord, 'before' | 'after'> & { before?: unknown; after?: unknown }): AuditRecord {
  return { ...input, before: input.before ?? null, after: input.after ?? null };
}
