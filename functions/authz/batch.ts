import { userOrClientHandler } from '../http/client-caller';
import { json } from '../http/responses';
import { decideFor } from './decide-for';
import { batchBodySchema } from './authz.schema';

/** Up to 100 checks, answered in order; a person outside the caller's reach gives that entry a not_found error. */
export const handler = userOrClientHandler('authz.check', { body: batchBodySchema }, async ({ caller, body }) =>
  json(200, { results: await decideFor(caller, body.checks, { unknownNodes: 'per-check' }) }),
);
