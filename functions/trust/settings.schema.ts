import { DELIVERIES, notificationCategories } from '../../domain/notifications/categories';
import { isTimeZone } from '../../domain/org/trust';
import { TEXT_LIMITS } from '../../domain/text-rules';
import { plainText } from '../shared/schemas';
import * as z from '../shared/zod';

const policyFields = {
  maxFailedLogins: z.number().check(z.int(), z.gte(1), z.lte(100)),
  autoUnlockMinutes: z.nullable(z.number().check(z.int(), z.gte(1), z.lte(10_080))),
  requireMfaForAdmins: z.boolean(),
  clusterRolesMembersOnly: z.boolean(),
  digestHour: z.number().check(z.int(), z.gte(0), z.lte(23)),
  timeZone: z.string().check(z.maxLength(64), z.refine(isTimeZone, 'not an IANA time zone, e.g. Europe/London')),
  /** Replaced as a whole by a PATCH; `{}` goes back to each category's own default. */
  notificationDefaults: z.partialRecord(z.enum(notificationCategories.map((c) => c.code) as [string, ...string[]]), z.enum(DELIVERIES)),
};

export const trustSettingsSchema = z
  .object({ name: z.string(), policies: z.object(policyFields), version: z.number().check(z.int()) })
  .register(z.globalRegistry, { id: 'TrustSettings' });

export const updateTrustSettingsBodySchema = z
  .strictObject({
    name: z.optional(plainText(TEXT_LIMITS.nodeName)),
    policies: z.optional(z.partial(z.strictObject(policyFields))),
  })
  .register(z.globalRegistry, { id: 'TrustSettingsPatch' });
