import { PreconditionRequiredError, InvalidInputError } from '../../domain/errors';
import { IF_MATCH_VERSION } from './header-formats';

export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** An entity with its version as a strong ETag, so clients can echo it in If-Match. */
export function entity<T extends { version: number }>(statusCode: number, body: T): HttpResult {
  return json(statusCode, body, { etag: `"${body.version}"` });
}

export function noContent(): HttpResult {
  return { statusCode: 204 };
}

/** The version a PATCH was based on; `3`, `"3"` and `W/"3"` are all accepted. */
export function requireIfMatch(headers: Record<string, string | undefined>): number {
  const raw = headers['if-match'];
  if (raw === undefined) throw new PreconditionRequiredError();
  if (raw.trim() === '*') {
    // RFC 9110's "any current version" would write over whatever someone else stored meanwhile: nothing-is-lost needs the version read.
    throw new InvalidInputError('validation_failed', 'If-Match: * is not accepted; send the version you read (its ETag)', [
      { path: 'If-Match', message: 'must be the entity version, e.g. "3", not *' },
    ]);
  }
  const match = IF_MATCH_VERSION.exec(raw.trim());
  if (!match) {
    throw new InvalidInputError('validation_failed', 'If-Match must be a version number', [
      { path: 'If-Match', message: 'must be the entity version, e.g. "3"' },
    ]);
  }
  return Number(match[1]);
}
