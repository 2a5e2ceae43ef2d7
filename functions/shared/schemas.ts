import { CONTROL_CHARACTER_MESSAGE } from '../../domain/text-rules';
import * as z from './zod';

/** Shapes several routes share: problem documents, ids, pages. */
export const idSchema = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/, 'not a valid id'));

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int()),
    detail: z.optional(z.string()),
    code: z.string(),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
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
  z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.regex(/^[^\u0000-\u001f\u007f]*$/, CONTROL_CHARACTER_MESSAGE));
