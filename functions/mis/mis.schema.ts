import { ONEROSTER_ROLES } from '../../domain/mis/oneroster';
import { cursorSchema, idSchema, limitSchema, NOT_BLANK } from '../shared/schemas';
import * as z from '../shared/zod';

const EXT_ROLE = /^ext:[A-Za-z0-9_.-]+$/;

/** A OneRoster 1.2 role, or a vendor's `ext:` role (the refine stated for /openapi.json as an anyOf). */
const rosterRole = z.string().check(
  z.maxLength(64),
  z.refine((role) => (ONEROSTER_ROLES as readonly string[]).includes(role) || EXT_ROLE.test(role), 'not a OneRoster 1.2 role (teacher, aide, …) or an ext: role'),
).register(z.globalRegistry, { anyOf: [{ enum: [...ONEROSTER_ROLES] }, { pattern: EXT_ROLE.source }] });

const settingsFields = {
  enabled: z.boolean(),
  /** The school's sourcedId in orgs.csv. */
  orgSourcedId: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)).register(z.globalRegistry, NOT_BLANK),
  roleMap: z._default(z.record(rosterRole, idSchema), {}),
  parents: z._default(z.boolean(), false),
  inviteNew: z._default(z.boolean(), false),
  leaverGraceDays: z._default(z.number().check(z.int(), z.gte(0), z.lte(365)), 0),
  maxLeaverShare: z._default(z.number().check(z.gte(0), z.lte(1)), 0.2),
};

export const putMisSettingsBodySchema = z.strictObject(settingsFields).register(z.globalRegistry, { id: 'MisSettingsInput' });

export const misSettingsSchema = z
  .object({
    nodeId: z.string(),
    enabled: z.boolean(),
    orgSourcedId: z.string(),
    roleMap: z.record(z.string(), z.string()),
    parents: z.boolean(),
    inviteNew: z.boolean(),
    leaverGraceDays: z.number().check(z.int()),
    maxLeaverShare: z.number(),
    /** Who saved them: the sync grants the mapped roles with the authority they had then. */
    updatedBy: z.string(),
    updatedAt: z.string(),
    version: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'MisSettings' });

/** The roster zip as the route receives it: base64 (the gateway passes a binary body so); ≤ Lambda's 6 MB request payload. */
export const rosterBodySchema = z.string().check(z.minLength(1)).register(z.globalRegistry, { id: 'RosterZip', format: 'binary', description: 'A OneRoster 1.2 CSV bundle (zip)' } as never);

export const rosterStoredSchema = z.object({ rosterId: z.string() }).register(z.globalRegistry, { id: 'RosterStored' });

// No body at all is a run that applies (API.md: every field optional; review F, F-8).
export const startRunBodySchema = z._default(z.strictObject({ dryRun: z._default(z.boolean(), false) }), { dryRun: false }).register(z.globalRegistry, { id: 'MisRunInput' });

export const runStartedSchema = z.object({ runId: z.string() }).register(z.globalRegistry, { id: 'MisRunStarted' });

export const runIdParamsSchema = z.object({ runId: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/, 'not a valid id')) });

export const misRunSchema = z
  .object({
    id: z.string(),
    nodeId: z.string(),
    status: z.enum(['running', 'done', 'held', 'failed']),
    dryRun: z.boolean(),
    startedAt: z.string(),
    finishedAt: z.nullable(z.string()),
    rosterId: z.nullable(z.string()),
    created: z.number().check(z.int()),
    updated: z.number().check(z.int()),
    deactivated: z.number().check(z.int()),
    reactivated: z.number().check(z.int()),
    unchanged: z.number().check(z.int()),
    skippedEdited: z.number().check(z.int()),
    errors: z.array(z.object({ sourcedId: z.nullable(z.string()), line: z.nullable(z.number().check(z.int())), code: z.string(), message: z.string() })),
    /** Error rows not listed, counted: past the first 500, or past the 200 KB a run's rows may take (each row's message ≤ 300 characters, sourcedId ≤ 256). */
    errorsOmitted: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'MisRun' });

export const misRunListSchema = z.object({ items: z.array(misRunSchema), nextCursor: z.nullable(z.string()) }).register(z.globalRegistry, { id: 'MisRunList' });

export const runListQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });
