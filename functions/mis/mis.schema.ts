import { ONEROSTER_ROLES } from '../../domain/mis/oneroster';
import { idSchema } from '../shared/schemas';
import * as z from '../shared/zod';

/** A OneRoster 1.2 role, or a vendor's `ext:` role. */
const rosterRole = z.string().check(
  z.maxLength(64),
  z.refine((role) => (ONEROSTER_ROLES as readonly string[]).includes(role) || /^ext:[A-Za-z0-9_.-]+$/.test(role), 'not a OneRoster 1.2 role (teacher, aide, …) or an ext: role'),
);

const settingsFields = {
  enabled: z.boolean(),
  /** The school's sourcedId in orgs.csv. */
  orgSourcedId: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
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
