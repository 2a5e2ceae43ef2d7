import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';
import { idempotencyKeyOf, idempotent } from '../shared/idempotency';
import { editPeople } from './bulk-edit';
import { bulkEditBodySchema } from './bulk.schema';

/**
 * POST /users/bulk: the single-user actions on up to 500 people, each person
 * all or nothing and on their own, with a result per person. With
 * `Idempotency-Key` the first answer is replayed for a repeat. A dry run
 * checks everything and writes nothing (its key is not stored either, but a
 * malformed one is refused as on the real request).
 */
export const handler = userHandler({ body: bulkEditBodySchema }, async ({ caller, body, headers }) => {
  const run = async () => json(200, await editPeople(caller, body));
  if (body.dryRun) {
    idempotencyKeyOf(headers);
    return run();
  }
  return idempotent(caller, headers, ['POST /users/bulk', body], run);
});
