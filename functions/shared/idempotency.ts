import { createHash } from 'node:crypto';
import { ConflictError, InvalidInputError, UnprocessableError } from '../../domain/errors';
import { claimIdempotencyKey, idempotencyKey, releaseIdempotencyKey, storeIdempotentAnswer } from '../adapters/dynamo/idempotency-repository';
import type { Caller } from '../http/caller';
import { IDEMPOTENCY_KEY_FORMAT as KEY_FORMAT } from '../http/header-formats';
import { logger } from '../http/logger';
import type { HttpResult } from '../http/responses';
import { newId } from './ids';

/** A claim outlives the function that made it by this much (the bulk function's timeout is 29 s): after it, a retry may take over. */
const LEASE_SECONDS = 90;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The `Idempotency-Key` header when one came, checked: a malformed key is a
 * 400 naming the header wherever the route reads it, a dry run too (which
 * stores no key), so a client learns of its bad key before the real request.
 */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw !== undefined && !KEY_FORMAT.test(raw)) {
    throw new InvalidInputError('validation_failed', 'The Idempotency-Key header is not valid', [{ path: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }]);
  }
  return raw;
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): the first
 * answer to a request with a key is stored per trust, caller and key for
 * 24 hours and replayed for a repeat (header `idempotent-replayed: true`),
 * without running it again. The same key with another body (or on another
 * route) is 422 `idempotency_key_reused`; a repeat while the first is still
 * running is 409 `idempotency_in_progress`. A request that fails as a whole
 * (a 4xx/5xx thrown before any answer) gives its key up, so it can be retried.
 * Without the header the request simply runs.
 */
export async function idempotent(caller: Caller, headers: Record<string, string | undefined>, fingerprintOf: unknown, run: () => Promise<HttpResult>): Promise<HttpResult> {
  const raw = idempotencyKeyOf(headers);
  if (raw === undefined) return run();
  const key = idempotencyKey(caller.trust.id, caller.account.id, sha256(raw));
  const claim = await claimIdempotencyKey(key, sha256(JSON.stringify(fingerprintOf)), newId(), LEASE_SECONDS);
  switch (claim.state) {
    case 'other_body':
      throw new UnprocessableError('idempotency_key_reused', 'This Idempotency-Key was already used with another request body', [
        { path: 'Idempotency-Key', message: 'already used with another body; use a new key for a new request' },
      ]);
    case 'in_progress':
      throw new ConflictError('idempotency_in_progress', 'A request with this Idempotency-Key is still running; repeat it shortly to get its answer');
    case 'replay':
      return { statusCode: claim.answer.statusCode, headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' }, body: claim.answer.body };
    case 'claimed':
      break;
  }
  let answer: HttpResult;
  try {
    answer = await run();
  } catch (error) {
    await releaseIdempotencyKey(key, claim.leaseId).catch((e: unknown) => logger.error('idempotency key not released', e as Error));
    throw error;
  }
  await storeIdempotentAnswer(key, claim.leaseId, { statusCode: answer.statusCode, body: answer.body ?? '' });
  return answer;
}
