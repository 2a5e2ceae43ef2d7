import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { nameIndex, type NameIndex } from '../../domain/directory/import-plan';
import { lastAdmin } from '../../domain/access/last-admin';
import { membershipDiff } from '../../domain/access/memberships';
import { auditRecord } from '../../domain/audit/audit-record';
import { DomainError } from '../../domain/errors';
import {
  getJob, loadPlanChunk, recordedLines, recordRow, rowRecordItems, setJobStatus, type RowOutcome, type RowResult,
} from '../adapters/dynamo/import-repository';
import { findAccountByEmail, getAccount } from '../adapters/dynamo/account-repository';
import { loadPerson } from '../adapters/dynamo/person-repository';
import { personConflict, PersonWriteConflictError, writePersonChange, type PersonOp } from '../adapters/dynamo/person-writes';
import { enqueue } from '../adapters/sqs/job-queue';
import { actingAs, CallerChangedError, callerOf, type Caller } from '../http/caller';
import { logger } from '../http/logger';
import { inviterOf, sendInvitation } from '../identity/link-sending';
import { outboxItems } from '../shared/account-security';
import { sensitiveGrantEvents } from '../shared/security-events';
import { keepAdminOnRemoval } from '../shared/last-admin';
import { newId, nowIso } from '../shared/ids';
import { ATTEMPTS, backoff } from '../shared/retry';
import { createPerson } from './person-creation';
import { noticeOldAddress, syncSignInEmail } from './email-change';
import { planRow, type PlannedRow } from './import-rows';
import { membershipOps } from './membership-ops';

/**
 * The CSV import's worker: one queue message applies one chunk of a plan
 * (at most 200 rows), then queues the next chunk, so 10,000 rows never need
 * one long invocation. Each row is applied as the preview planned it, in one
 * transaction per person through the same write paths as the single-user
 * endpoints, on the condition that the person is still at the version the
 * preview saw (else `plan_stale`), and with the importer's rights as they are
 * now (every guard runs again). The row's result and the job's counters are
 * written in that same transaction, so a message delivered twice, or retried
 * after a crash, never applies a row twice.
 */

export interface ImportMessage {
  trustId: string;
  importId: string;
  chunk: number;
}

/** After this many deliveries of one message the job is marked failed (the queue's DLQ keeps the message). */
export const MAX_DELIVERIES = 3;

interface RowContext {
  caller: Caller;
  names: NameIndex;
  trustId: string;
  importId: string;
  chunk: number;
}

const firstError = (row: PlannedRow) => row.errors[0]?.code ?? 'invalid_row';

/** The importer can no longer act (deactivated, gone): the job stops, as when a chunk starts without them. */
class ImporterCannotActError extends Error {}

/**
 * A row's write found the importer changed since they were resolved (a role
 * taken, 2FA reset, deactivated: person-writes.ts ActingAs): resolved again,
 * and the row is planned again on their rights as they are now.
 */
async function resolveImporterAgain(ctx: RowContext): Promise<void> {
  try {
    ctx.caller = await ctx.caller.again!();
  } catch (error) {
    if (error instanceof DomainError) throw new ImporterCannotActError();
    throw error;
  }
}

async function record(ctx: RowContext, result: RowResult, outcome: RowOutcome) {
  await recordRow(ctx.trustId, ctx.importId, ctx.chunk, result, outcome);
}

async function failRow(ctx: RowContext, row: PlannedRow, error: string) {
  await record(ctx, { line: row.line, ok: false, ...(row.userId && row.action !== 'create' ? { userId: row.userId } : {}), error }, 'failed');
}

async function applyUpdate(ctx: RowContext, row: PlannedRow): Promise<void> {
  const userId = row.userId!;
  for (let attempt = 1; ; attempt++) {
    const current = await loadPerson(ctx.trustId, userId);
    if (!current || current.account.version !== row.version) return failRow(ctx, row, 'plan_stale');
    const planned = planRow(ctx.caller, row.intent, current, ctx.names, []);
    if (planned.action === 'error') return failRow(ctx, row, firstError(planned));
    if (planned.action === 'unchanged') return record(ctx, { line: row.line, ok: true, userId }, 'unchanged');
    const { desire, check } = planned;
    const now = nowIso();
    const { roles } = ctx.caller.context;
    const customRole = (roleId: string) => !(roles.get(roleId)?.builtIn ?? true);
    const added = desire.addAssignments.map((wanted) => ({ id: newId(), ...wanted }));
    let keepAdmin: PersonOp[];
    try {
      keepAdmin = (await Promise.all(desire.removeAssignments.map((a) => keepAdminOnRemoval(ctx.caller, userId, a.id)))).flatMap((ops) => ops());
      // One item once per transaction: removals that found the same witness share its checks; a witness this row removes is none.
      const removed = new Set(desire.removeAssignments.map((a) => a.id));
      const seen = new Set<string>();
      keepAdmin = keepAdmin.filter((op) => {
        if (op.type !== 'requireAdmin') return true;
        if (op.witness.userId === userId && removed.has(op.witness.assignmentId)) throw lastAdmin();
        const key = `${op.witness.userId}#${op.witness.assignmentId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    } catch (error) {
      if (error instanceof DomainError) return failRow(ctx, row, error.code);
      throw error;
    }
    const before = current.person.memberships;
    const ops: PersonOp[] = [
      ...membershipOps(before, desire.memberships, now, current.membershipsSince),
      ...desire.removeAssignments.map((assignment): PersonOp => ({ type: 'deleteAssignment', assignment, customRole: customRole(assignment.roleId) })),
      ...added.map((assignment): PersonOp => ({ type: 'putAssignment', assignment, customRole: customRole(assignment.roleId) })),
      ...keepAdmin,
    ];
    const placed = membershipDiff(before, desire.memberships);
    const entries = [
      ...(check?.profile ? [check.profile.audit] : []),
      ...placed.added.map((m) => ({ action: 'membership.added', nodeId: m.nodeId, after: m })),
      ...placed.changed.map((m) => ({ action: 'membership.updated', nodeId: m.nodeId, before: before.find((b) => b.nodeId === m.nodeId), after: m })),
      ...placed.removed.map((b) => ({ action: 'membership.removed', nodeId: b.nodeId, before: b })),
      ...desire.removeAssignments.map((a) => ({ action: 'role.removed', nodeId: a.nodeId, before: a })),
      ...added.map((a) => ({ action: 'role.assigned', nodeId: a.nodeId, after: a })),
    ];
    const audit = entries.map((entry) =>
      auditRecord({ id: newId(), at: now, actorId: ctx.caller.account.id, targetType: 'user', targetId: userId, ...entry }),
    );
    const named = check?.profile ? { ...current.account, firstName: check.profile.next.firstName, lastName: check.profile.next.lastName } : current.account;
    try {
      await writePersonChange({ account: current.account, person: current.person, ...(current.grants ? { grants: current.grants } : {}) }, ops, audit, now, ctx.caller.context.version, {
        ...(check?.profile ? { profile: check.profile.next } : {}),
        extra: [
          ...rowRecordItems(ctx.trustId, ctx.importId, ctx.chunk, { line: row.line, ok: true, userId }, 'updated'),
          // A role with sensitive permissions tells the admins there, from the row's own transaction (the outbox).
          ...outboxItems(ctx.trustId, sensitiveGrantEvents(roles, ctx.caller.account, named, added, 'CSV import'), now),
        ],
        acting: [actingAs(ctx.caller)],
      });
    } catch (error) {
      if (!(error instanceof PersonWriteConflictError)) throw error;
      if (error.reason === 'recorded') return; // another delivery of this message applied it
      if (error.reason === 'person_changed') return failRow(ctx, row, 'plan_stale');
      // A busy counter (another writer placing people at the same node): pause and plan again, as changePerson does (review C, 5).
      if (error.reason === 'busy' && attempt < ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      if (error.reason === 'trust_changed' && attempt < 3) {
        await resolveImporterAgain(ctx);
        continue;
      }
      if (error.reason === 'caller_changed' && attempt < 3) {
        await resolveImporterAgain(ctx);
        continue;
      }
      return failRow(ctx, row, (personConflict(error) as DomainError).code);
    }
    if (check?.profile?.emailChanged) {
      await syncSignInEmail(current.account, check.profile.next.email);
      await noticeOldAddress(ctx.caller, current.account, now);
    }
    return;
  }
}

async function applyCreate(ctx: RowContext, row: PlannedRow, attempt = 1): Promise<void> {
  const userId = row.userId!;
  if (await getAccount({ trustId: ctx.trustId, userId })) return; // created by an earlier delivery, whose transaction recorded the row
  const planned = planRow(ctx.caller, row.intent, undefined, ctx.names, []);
  if (planned.action !== 'create' || !planned.body) return failRow(ctx, row, planned.action === 'error' ? firstError(planned) : 'plan_stale');
  try {
    const { account } = await createPerson(ctx.caller, planned.body, {
      id: userId, via: 'CSV import', callerChanged: 'throw',
      extra: rowRecordItems(ctx.trustId, ctx.importId, ctx.chunk, { line: row.line, ok: true, userId }, 'created'),
    });
    // The person exists; an email failure leaves them `invited` for a re-send, as POST /users does.
    await sendInvitation(account, inviterOf(ctx.caller.account));
  } catch (error) {
    if (error instanceof CallerChangedError && attempt < 3) {
      await resolveImporterAgain(ctx);
      return applyCreate(ctx, row, attempt + 1);
    }
    if (error instanceof CallerChangedError) return failRow(ctx, row, 'concurrent_change');
    if (error instanceof DomainError) {
      if (error.code === 'already_applied') return;
      if (error.code === 'email_taken') {
        // Taken by this very row (another delivery of the message created them) → nothing to do; by
        // someone else → the row's answer; a claim still pending (that other delivery is mid-create)
        // → deliver again later, when it has recorded the row.
        const owner = await findAccountByEmail(planned.body.email);
        if (owner?.id === userId) return;
        if (!owner) throw new Error(`row ${row.line}: its email is being claimed; retrying the chunk`);
      }
      return failRow(ctx, row, error.code);
    }
    throw error;
  }
}

async function applyRow(ctx: RowContext, row: PlannedRow): Promise<void> {
  switch (row.action) {
    case 'error':
      return failRow(ctx, row, firstError(row));
    case 'unchanged':
      return record(ctx, { line: row.line, ok: true, ...(row.userId ? { userId: row.userId } : {}) }, 'unchanged');
    case 'update':
      return applyUpdate(ctx, row);
    case 'create':
      return applyCreate(ctx, row);
  }
}

/** Applies one chunk of an import. */
export async function applyChunk(message: ImportMessage): Promise<void> {
  const { trustId, importId, chunk } = message;
  const job = await getJob(trustId, importId);
  if (!job || job.status === 'done' || job.status === 'failed') return;
  await setJobStatus(trustId, importId, 'running', 'queued');
  let caller: Caller;
  try {
    // A job queued before sessions were kept acts as a session signed in when it was queued (review L, L4).
    const session = job.session ?? { authTime: Math.floor(Date.parse(job.createdAt) / 1000) };
    caller = await callerOf(trustId, job.importerId, { session, mfa: job.mfa });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    logger.warn('import stopped: the importer can no longer act', { importId });
    return setJobStatus(trustId, importId, 'failed');
  }
  const rows = (await loadPlanChunk<PlannedRow>(trustId, job.planId, chunk)) ?? [];
  const done = await recordedLines(trustId, importId, chunk);
  const ctx: RowContext = { caller, names: nameIndex(caller.context.tree, caller.context.roles), trustId, importId, chunk };
  try {
    for (const row of rows) {
      if (done.has(row.line)) continue;
      await applyRow(ctx, row);
    }
  } catch (error) {
    if (!(error instanceof ImporterCannotActError)) throw error;
    logger.warn('import stopped: the importer can no longer act', { importId });
    return setJobStatus(trustId, importId, 'failed');
  }
  if (chunk + 1 < job.chunks) await enqueue('imports', { trustId, importId, chunk: chunk + 1 });
  else await setJobStatus(trustId, importId, 'done');
}

/** The SQS handler (batch size 1 in AWS; the local queue sends one message per event too). */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    const body = JSON.parse(message.body) as ImportMessage;
    logger.appendKeys({ importId: body.importId, trustId: body.trustId });
    try {
      await applyChunk(body);
    } catch (error) {
      const deliveries = Number(message.attributes?.ApproximateReceiveCount ?? 1);
      logger.error('import chunk failed', { importId: body.importId, chunk: body.chunk, deliveries, error: error as Error });
      if (deliveries >= MAX_DELIVERIES) await setJobStatus(body.trustId, body.importId, 'failed').catch(() => undefined);
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
}
