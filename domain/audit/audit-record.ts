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
  /**
   * The integration client (its Cognito client id) whose request caused the
   * change; `actorId` is then the integration's id. Absent for people's requests.
   */
  clientId?: string;
  /** The POST /users/bulk request this change was part of: one id shared by every person's records. */
  bulkId?: string;
}

export function auditRecord(input: Omit<AuditRecord, 'before' | 'after'> & { before?: unknown; after?: unknown }): AuditRecord {
  return { ...input, before: input.before ?? null, after: input.after ?? null };
}

/** The actor fields of a record an integration client's request causes: the integration acts, and its client id is kept. */
export function clientActor(integration: { id: string; clientId: string }): { actorId: string; clientId: string } {
  return { actorId: integration.id, clientId: integration.clientId };
}
