import { z } from 'zod';
import { isTimeZone } from '../../domain/org/trust';

const policyFields = {
  maxFailedLogins: z.number().int().min(1).max(100),
  autoUnlockMinutes: z.number().int().min(1).max(10_080).nullable(),
  requireMfaForAdmins: z.boolean(),
  clusterRolesMembersOnly: z.boolean(),
  digestHour: z.number().int().min(0).max(23),
  timeZone: z.string().max(64).refine(isTimeZone, 'not an IANA time zone, e.g. Europe/London'),
};

export const trustSettingsSchema = z
  .object({ name: z.string(), policies: z.object(policyFields), version: z.number().int() })
  .meta({ id: 'TrustSettings' });

export const updateTrustSettingsBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    policies: z.strictObject(policyFields).partial().optional(),
  })
  .meta({ id: 'TrustSettingsPatch' });
