import { idSchema } from '../shared/schemas';
import * as z from '../shared/zod';

/** POST /users/import: `?dryRun=true` with the file (text/csv) previews; `{ planId }` (JSON) applies a preview. */
export const importQuerySchema = z.strictObject({ dryRun: z.optional(z.enum(['true', 'false'])) });
export const applyImportBodySchema = z.strictObject({ planId: idSchema });
export const csvFileSchema = z.string().check(z.minLength(1));
export const importBodySchema = z.union([csvFileSchema, applyImportBodySchema]);

const cellError = z.object({ column: z.string(), code: z.string(), message: z.string() });
const change = z.object({ field: z.string(), from: z.nullable(z.string()), to: z.nullable(z.string()) });

export const importPreviewSchema = z
  .object({
    planId: z.string(),
    expiresAt: z.string(),
    /** Set when the answer would pass Lambda's 6 MB: the `changes` of these rows are left out (the plan keeps them). */
    changesOmitted: z.optional(z.enum(['create', 'all'])),
    /** Set when even that would pass it: every error's message is empty (column and code kept). */
    messagesOmitted: z.optional(z.boolean()),
    /** Errors not listed: past 10 in a row, or past 5,000 in the answer (each row says how many of its own). */
    errorsOmitted: z.optional(z.number()),
    summary: z.object({ create: z.number(), update: z.number(), unchanged: z.number(), error: z.number() }),
    rows: z.array(
      z.object({
        line: z.number(),
        action: z.enum(['create', 'update', 'unchanged', 'error']),
        userId: z.optional(z.string()),
        changes: z.array(change),
        errors: z.array(cellError),
        errorsOmitted: z.optional(z.number()),
      }),
    ),
  })
  .register(z.globalRegistry, { id: 'ImportPreview' });

export const importStartedSchema = z.object({ importId: z.string() });

export const importProgressSchema = z
  .object({
    id: z.string(),
    planId: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    total: z.number(),
    done: z.number(),
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    failed: z.number(),
    rows: z.array(z.object({ line: z.number(), ok: z.boolean(), userId: z.optional(z.string()), error: z.optional(z.string()) })),
  })
  .register(z.globalRegistry, { id: 'ImportProgress' });

export const importParamsSchema = z.object({ importId: idSchema });
