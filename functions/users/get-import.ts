import { NotFoundError } from '../../domain/errors';
import { loadJob } from '../adapters/dynamo/import-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { importParamsSchema } from './import.schema';

/**
 * An import's progress: its importer, or whoever holds users.bulk at the
 * trust root, may read it; anyone else gets the 404 an unknown id gets.
 */
export const handler = userHandler({ params: importParamsSchema }, async ({ caller, params }) => {
  const found = await loadJob(caller.trust.id, params.importId);
  if (!found) throw new NotFoundError('Import');
  const { job, rows } = found;
  const mayRead = job.importerId === caller.account.id || reach(caller, 'users.bulk').has(caller.trust.rootNodeId);
  if (!mayRead) throw new NotFoundError('Import');
  return json(200, {
    id: job.id, planId: job.planId, status: job.status, total: job.total, done: Number(job.done ?? 0),
    created: Number(job.created ?? 0), updated: Number(job.updated ?? 0), unchanged: Number(job.unchanged ?? 0), failed: Number(job.failed ?? 0),
    rows: rows.map((r) => ({ line: r.line, ok: r.ok, ...(r.userId ? { userId: r.userId } : {}), ...(r.error ? { error: r.error } : {}) })),
  });
});
