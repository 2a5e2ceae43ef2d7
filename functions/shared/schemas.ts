import { CONTROL_CHARACTER_MESSAGE } from '../../domain/text-rules';
import * as z from './zod';

/** Shapes several routes share: problem documents, ids, pages. */
export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const idSchema = z.string().check(z.minLength(1), z.maxLength(64), z.regex(ID_PATTERN, 'not a valid id'));

/**
 * A moment in time from a caller (role validity, bulk addRole, a notification
 * event's occurredAt, the audit's from/to): ISO 8601 with `Z` or an offset,
 * answered and stored as UTC (`toISOString`, milliseconds), so every time the
 * API hands back is the UTC string API.md promises, whatever offset came in
 * (`2026-01-01T09:00:00+01:00` is kept as `2026-01-01T08:00:00.000Z`).
 * `z.overwrite` keeps the schema a plain `date-time` string in /openapi.json
 * (a transform could not be drawn). A time that fails the format is left as
 * it is for the format's own 400; one whose UTC year falls outside
 * 0000–9999 (only reachable through an offset at the very edge) is refused.
 */
export const utcTimeSchema = z.iso
  .datetime({ offset: true })
  .check(
    z.overwrite((time) => {
      const ms = Date.parse(time);
      return Number.isNaN(ms) ? time : new Date(ms).toISOString();
    }),
    z.refine((time) => !/^[+-]\d{6}-/.test(time), 'must fall between the years 0000 and 9999 in UTC'),
  )
  .register(z.globalRegistry, { description: 'ISO 8601 with Z or an offset; stored and answered in UTC (2026-01-01T09:00:00+01:00 → 2026-01-01T08:00:00.000Z)' });

/**
 * A pupil (or other subject) id of the school apps: `subjectId` of decisions,
 * blocks, parent links and notification events, one format everywhere.
 * OneRoster sourcedIds are free-form, so it takes 1–128 printable ASCII
 * characters (0x21–0x7E) except five:
 * - `/`: a path segment ends there (API Gateway decodes `%2F` before routing);
 * - `?`: the query starts there (and a decoded one cuts the path);
 * - `#`: the fragment, and the separator of our keys (`BLOCK#<subjectId>`);
 * - `%`: no id then needs escaping twice, so a path decoded once or twice
 *   gives the same id;
 * - `\`: some HTTP clients turn it into `/`.
 * `.` and `..` alone are refused too: clients resolve them as path segments.
 * Everything else (`.`, `:`, `@`, `+`, …) is taken as sent and compared
 * exactly: a block or link set through the path matches the JSON subjectId of
 * a decision or an event character for character.
 */
export const SUBJECT_ID_PATTERN = /^(?!\.\.?$)[!"$&'()*+,\-.0-9:;<=>@A-Z[\]^_`a-z{|}~]+$/;
export const subjectIdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(SUBJECT_ID_PATTERN, 'not a valid subject id: 1-128 printable ASCII characters, none of / ? # % \\ and not . or ..'),
  )
  .register(z.globalRegistry, {
    description: 'A pupil id of the school apps (e.g. a OneRoster sourcedId): 1-128 printable ASCII characters except / ? # % \\, not . or .. alone; percent-encode it in a path (ext:pupil.1@mis → ext%3Apupil.1%40mis)',
  });

/**
 * The checks of a grant's window (validFrom/validUntil, UTC) wherever one is
 * given: it ends after it starts, and it has not already ended, since a grant
 * that can never apply is a mistake, not a record (review H, H-9; the CSV
 * import keeps re-stating an exported grant that has ended: its rows are
 * compared with what is stored, not parsed here).
 */
export function grantWindowChecks<T extends { validFrom?: string; validUntil?: string }>() {
  return [
    z.refine<T>((a) => !a.validFrom || !a.validUntil || new Date(a.validFrom) < new Date(a.validUntil), { message: 'must be after validFrom', path: ['validUntil'] }),
    // A time that is not one is the time format's error alone (NaN passes here).
    z.refine<T>((a) => !a.validUntil || !(Date.parse(a.validUntil) <= Date.now()), { message: 'has already passed: the role would never apply', path: ['validUntil'] }),
  ] as const;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int()),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .register(z.globalRegistry, { id: 'Problem' });

export const limitSchema = z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50);
export const cursorSchema = z.optional(z.string().check(z.maxLength(2048)));

export const idParamsSchema = z.object({ id: idSchema });

/**
 * A name people type (person names, job titles, node and role names):
 * trimmed, 1..max characters, no control characters (domain/text-rules.ts,
 * the rule the CSV import and the MIS sync apply too).
 */
export const plainText = (max: number) =>
  z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.regex(/^[^\u0000-\u001f\u007f]*$/, CONTROL_CHARACTER_MESSAGE))
    .register(z.globalRegistry, { pattern: PLAIN_TEXT_DOCUMENTED });

/**
 * /openapi.json's pattern of plainText: no control character, and one
 * character that is not white space (the value is trimmed before its
 * minLength 1, so white space alone is refused).
 */
const PLAIN_TEXT_DOCUMENTED = '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$';

/** /openapi.json's pattern of a trimmed string with a minLength of 1 (white space alone is refused). */
export const NOT_BLANK = { pattern: '\\S' };
