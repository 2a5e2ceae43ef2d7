import { nameIndex, resolveRow } from '../../domain/directory/import-plan';
import { readUsersCsv, type CellError } from '../../domain/directory/import-file';
import { auditRecord } from '../../domain/audit/audit-record';
import { ConflictError, ForbiddenError, GoneError, InvalidInputError, NotFoundError } from '../../domain/errors';
import type { Account } from '../../domain/identity/account';
import { findAccountByEmail } from '../adapters/dynamo/account-repository';
import { createJob, getPlanMeta, IMPORT_RECORD_TTL_SECONDS, markPlanApplied, savePlan } from '../adapters/dynamo/import-repository';
import { loadPerson, type PersonRecord } from '../adapters/dynamo/person-repository';
import { enqueue } from '../adapters/sqs/job-queue';
import { jobActing, type Caller } from '../http/caller';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import { EMAIL_TAKEN, inEditReach, planRow, type PlannedRow } from './import-rows';

/** A row too big to store is an error row that keeps only its line (the cells are capped, so this is a last resort). */
function storable(row: PlannedRow): PlannedRow {
  if (Buffer.byteLength(JSON.stringify(row), 'utf8') <= MAX_PLAN_ROW_BYTES) return row;
  return {
    line: row.line, action: 'error', changes: [], intent: { line: row.line },
    errors: [{ column: '*', code: 'row_too_large', message: `The row asks for more than an import row can hold (${MAX_PLAN_ROW_BYTES} bytes planned); split it` }],
  };
}
import { importBodySchema, importQuerySchema } from './import.schema';

/** A previewed plan may be applied for this long. */
export const PLAN_TTL_SECONDS = 3600;
/** The preview's answer stays under Lambda's 6 MB response limit (bytes of JSON; the text is mostly ASCII). */
export const MAX_PREVIEW_ANSWER_BYTES = 5_000_000;
/**
 * The preview lists at most this many errors in all (rows in file order; a
 * row lists at most MAX_ROW_ERRORS, each message at most 200 characters);
 * the rest are counted, per row and in total, in `errorsOmitted`. 5,000
 * errors of ≤ 200 characters are ≤ ~3.4 MB, plus ≤ 10,000 rows of ~110 bytes
 * without their changes: under MAX_PREVIEW_ANSWER_BYTES, and the last
 * fallback (messages left out, codes kept) is smaller still.
 */
export const MAX_PREVIEW_ERRORS = 5_000;
/**
 * A planned row is stored only when its JSON is at most this many bytes
 * (cells are capped, so only a row naming thousands of roles comes near); a
 * bigger one is stored as an error row `row_too_large`, so a plan chunk
 * (≤ PLAN_CHUNK_BYTES) never passes DynamoDB's 400 KB item limit.
 */
export const MAX_PLAN_ROW_BYTES = 100_000;

/** Reads in parallel, a few at a time (one Query per person, two GetItems per email). */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const duplicate = (column: string): CellError => ({ column, code: 'duplicate_row', message: 'An earlier row of the file is about the same person' });

/**
 * The preview: every row read, resolved against the trust's names, matched
 * to its person (by id, else by email), checked through the single-user
 * rules, and the plan stored for an hour. Nothing about a person outside the
 * caller's reach shows: an unknown id and one outside reach read the same,
 * and an email that has an account the caller may not edit (elsewhere in the
 * trust or in another trust) reads like a free address (the row is a create,
 * judged by the rules of POST /users; applying it fails the row with
 * `email_taken`, what POST /users answers). Each preview is audited
 * (`users.import_previewed`: who, how many rows).
 */
async function preview(caller: Caller, text: string) {
  const rows = readUsersCsv(text);
  const names = nameIndex(caller.context.tree, caller.context.roles);
  const resolved = rows.map((row) => resolveRow(row, names));
  const trustId = caller.trust.id;

  const ids = [...new Set(resolved.map((r) => r.intent.id).filter((id): id is string => !!id && /^[A-Za-z0-9_-]{1,64}$/.test(id)))];
  const byId = new Map((await mapLimit(ids, 16, (id) => loadPerson(trustId, id))).flatMap((r) => (r ? [[r.account.id, r] as const] : [])));
  const emails = [...new Set(resolved.map((r) => r.intent.email?.toLowerCase()).filter((e): e is string => !!e))];
  const byEmail = new Map<string, Account>();
  await mapLimit(emails, 16, async (email) => {
    const account = await findAccountByEmail(email);
    if (account) byEmail.set(email, account);
  });
  // People found by email who have no row with their id: loaded like the rest.
  const extra = [...byEmail.values()].filter((a) => a.trustId === trustId && !byId.has(a.id)).map((a) => a.id);
  for (const record of await mapLimit(extra, 16, (id) => loadPerson(trustId, id))) if (record) byId.set(record.account.id, record);

  const ownerInReach = (email: string): PersonRecord | undefined => {
    const owner = byEmail.get(email);
    const record = owner?.trustId === trustId ? byId.get(owner.id) : undefined;
    return record && inEditReach(caller, record) ? record : undefined;
  };

  const seenPeople = new Set<string>();
  const seenEmails = new Set<string>();
  const planned: PlannedRow[] = resolved.map(({ intent, errors }) => {
    const email = intent.email?.toLowerCase();
    let record: PersonRecord | undefined;
    const pre = [...errors];
    if (intent.id) {
      record = byId.get(intent.id);
      if (!record || !inEditReach(caller, record)) return { line: intent.line, action: 'error', changes: [], errors: [{ column: 'id', code: 'not_found', message: 'No person with this id in your reach' }], intent };
    } else if (email) {
      // The owner of the address, when the caller may edit them: the row updates them. Anyone else's address (outside
      // reach, another trust) reads like a free one: the row plans a create, and applying it fails with email_taken.
      record = ownerInReach(email);
    }
    if (record && seenPeople.has(record.account.id)) pre.push(duplicate(intent.id ? 'id' : 'email'));
    if (record) seenPeople.add(record.account.id);
    if (email && seenEmails.has(email)) pre.push(duplicate('email'));
    if (email) seenEmails.add(email);
    // An email moved onto an address someone else in reach has (anyone else's: applying the row fails with email_taken).
    const owner = email ? ownerInReach(email) : undefined;
    if (record && owner && owner.account.id !== record.account.id) pre.push(EMAIL_TAKEN);
    const { desire: _d, check: _c, body: _b, ...row } = planRow(caller, intent, record, names, pre);
    return storable(row.action === 'create' ? { ...row, userId: newId() } : row);
  });

  const planId = newId();
  const expiresAt = Math.floor(Date.now() / 1000) + PLAN_TTL_SECONDS;
  const summary = { create: 0, update: 0, unchanged: 0, error: 0 };
  for (const row of planned) summary[row.action]++;
  const createdAt = nowIso();
  // One audit record per preview, stored with the plan: who looked at how many rows (a preview changes nobody).
  const audit = auditRecord({
    id: newId(), at: createdAt, actorId: caller.account.id, action: 'users.import_previewed', targetType: 'import-plan', targetId: planId,
    nodeId: caller.person.memberships.find((m) => m.primary)?.nodeId ?? null, after: { rows: planned.length, summary },
  });
  await savePlan(trustId, { planId, importerId: caller.account.id, createdAt, expiresAt, total: planned.length }, planned, audit);
  // At most MAX_PREVIEW_ERRORS errors are listed, in file order; the rest are counted.
  let budget = MAX_PREVIEW_ERRORS;
  let errorsOmitted = 0;
  const listed = planned.map((row) => {
    const errors = row.errors.slice(0, Math.max(0, budget));
    budget -= errors.length;
    const omitted = (row.errorsOmitted ?? 0) + row.errors.length - errors.length;
    errorsOmitted += omitted;
    return { errors, omitted };
  });
  const answer = (omit?: 'create' | 'all', messages = true) => ({
    planId,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    summary,
    ...(omit ? { changesOmitted: omit } : {}),
    ...(messages ? {} : { messagesOmitted: true }),
    ...(errorsOmitted > 0 ? { errorsOmitted } : {}),
    rows: planned.map((row, i) => ({
      line: row.line, action: row.action, ...(row.userId ? { userId: row.userId } : {}),
      changes: omit === 'all' || (omit === 'create' && row.action === 'create') ? [] : row.changes,
      errors: messages ? listed[i]!.errors : listed[i]!.errors.map((e) => ({ ...e, message: '' })),
      ...(listed[i]!.omitted > 0 ? { errorsOmitted: listed[i]!.omitted } : {}),
    })),
  });
  // Lambda answers at most 6 MB: a big file's new rows (whose changes are the row itself) lose their changes first, then every row, then the messages.
  const size = (text: string) => Buffer.byteLength(text, 'utf8');
  let body = JSON.stringify(answer());
  if (size(body) > MAX_PREVIEW_ANSWER_BYTES) body = JSON.stringify(answer('create'));
  if (size(body) > MAX_PREVIEW_ANSWER_BYTES) body = JSON.stringify(answer('all'));
  if (size(body) > MAX_PREVIEW_ANSWER_BYTES) body = JSON.stringify(answer('all', false));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
}

/**
 * Applying a preview: only its importer, once (409 `plan_applied`), within
 * its hour (410 `plan_expired`; once DynamoDB's TTL removed it, 404). The
 * rows are applied by the worker (import-worker.ts) through the queue.
 */
async function apply(caller: Caller, planId: string) {
  const trustId = caller.trust.id;
  const meta = await getPlanMeta(trustId, planId);
  if (!meta || meta.importerId !== caller.account.id) throw new NotFoundError('Import plan');
  if (meta.appliedAs) throw new ConflictError('plan_applied', 'This plan was applied already; preview the file again');
  if (meta.expiresAt * 1000 <= Date.now()) throw new GoneError('plan_expired', 'The plan is more than an hour old; preview the file again');
  const importId = newId();
  if (!(await markPlanApplied(trustId, planId, importId))) throw new ConflictError('plan_applied', 'This plan was applied already; preview the file again');
  await createJob(trustId, {
    id: importId, planId, importerId: caller.account.id, ...jobActing(caller), status: meta.chunks === 0 ? 'done' : 'queued',
    total: meta.total, chunks: meta.chunks, done: 0, created: 0, updated: 0, unchanged: 0, failed: 0,
    createdAt: nowIso(), expiresAt: Math.floor(Date.now() / 1000) + IMPORT_RECORD_TTL_SECONDS,
  });
  if (meta.chunks > 0) await enqueue('imports', { trustId, importId, chunk: 0 });
  return json(202, { importId }, { location: `/users/imports/${importId}` });
}

export const handler = userHandler({ query: importQuerySchema, body: importBodySchema }, async ({ caller, query, body, headers }) => {
  // A JSON string is neither of the two bodies (the union reads any string as the CSV text).
  if (typeof body === 'string' && !(headers['content-type'] ?? '').startsWith('text/csv')) {
    throw new InvalidInputError('validation_failed', 'The body is { planId } as JSON, or the CSV file as text/csv', [{ path: 'body', message: 'expected { planId }, or the CSV file sent as text/csv' }]);
  }
  // users.bulk is "edit many accounts at once and import the users CSV"; each row then needs what its change needs.
  if (reach(caller, 'users.bulk').size === 0) throw new ForbiddenError('You need users.bulk');
  if (query.dryRun === 'true') {
    if (typeof body !== 'string') throw new InvalidInputError('validation_failed', 'A preview takes the file as text/csv', [{ path: 'body', message: 'send the CSV file with content-type text/csv' }]);
    return preview(caller, body);
  }
  if (typeof body === 'string') {
    throw new InvalidInputError('validation_failed', 'Preview the file first (?dryRun=true), then apply its planId', [{ path: 'dryRun', message: 'a CSV file is only previewed' }]);
  }
  return apply(caller, body.planId);
});
