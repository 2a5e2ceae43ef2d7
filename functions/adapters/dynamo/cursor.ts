import { InvalidInputError } from '../../../domain/errors';

/**
 * Opaque page cursors hold only sort-key values; the partition key is always
 * rebuilt from the caller's trust, so a forged cursor cannot reach another tenant.
 *
 * A cursor is checked before it reaches DynamoDB (security review B, F2: an
 * empty or over-long key part was a ValidationException, so a 500): a JSON
 * object with exactly the fields the list's index uses, each a non-empty
 * string of at most MAX_CURSOR_PART_BYTES (DynamoDB's sort-key limit) that
 * fits the list's own shape when it gives one. Anything else is 400
 * `invalid_cursor` naming `query.cursor`.
 */

/** DynamoDB's largest sort key, in UTF-8 bytes. */
export const MAX_CURSOR_PART_BYTES = 1024;

/** The `<ISO time>#<id>` sort keys of the audit trail and the notification feed. */
export const TIME_AND_ID_KEY = /^\d{4}-\d{2}-\d{2}T[^#]*#[^#]+$/;
/** An id as the API hands them out (idSchema). */
export const ID_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function encodeCursor(lastKey: Record<string, unknown> | undefined, fields: string[]): string | null {
  if (!lastKey) return null;
  const kept = Object.fromEntries(fields.map((field) => [field, String(lastKey[field])]));
  return Buffer.from(JSON.stringify(kept)).toString('base64url');
}

const invalidCursor = () =>
  new InvalidInputError('invalid_cursor', 'The cursor is not one this API gave out', [{ path: 'query.cursor', message: 'invalid cursor' }]);

/**
 * The cursor's key parts, or undefined without a cursor. `shapes` may give a
 * pattern per field that its value must match (e.g. TIME_AND_ID_KEY).
 */
export function decodeCursor(cursor: string | undefined, fields: readonly string[], shapes: Readonly<Record<string, RegExp>> = {}): Record<string, string> | undefined {
  if (!cursor) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const entries = Object.entries(parsed);
  if (entries.length !== fields.length || !fields.every((field) => Object.hasOwn(parsed as object, field))) throw invalidCursor();
  for (const [field, value] of entries) {
    if (typeof value !== 'string' || value === '' || Buffer.byteLength(value, 'utf8') > MAX_CURSOR_PART_BYTES) throw invalidCursor();
    if (shapes[field] && !shapes[field].test(value)) throw invalidCursor();
  }
  return parsed as Record<string, string>;
}
