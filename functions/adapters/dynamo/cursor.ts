import { InvalidInputError } from '../../../domain/errors';
import * as z from '../../shared/zod';

/**
 * Opaque page cursors hold only sort-key values; the partition key is always
 * rebuilt from the caller's trust, so a forged cursor cannot reach another tenant.
 */
const cursorSchema = z.record(z.string(), z.string().check(z.maxLength(512)));

export function encodeCursor(lastKey: Record<string, unknown> | undefined, fields: string[]): string | null {
  if (!lastKey) return null;
  const kept = Object.fromEntries(fields.map((field) => [field, String(lastKey[field])]));
  return Buffer.from(JSON.stringify(kept)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, fields: string[]): Record<string, string> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (fields.every((field) => typeof parsed[field] === 'string')) return parsed;
  } catch {
    // fall through to the 400 below
  }
  throw new InvalidInputError('invalid_cursor', 'The cursor is not one this API gave out', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
}
