import { DELIVERIES, notificationCategories } from '../../domain/notifications/categories';
import * as z from '../shared/zod';

const delivery = z.enum(DELIVERIES);
const categoryCode = z.enum(notificationCategories.map((c) => c.code) as [string, ...string[]]);

export const categoryListSchema = z
  .object({
    items: z.array(
      z.object({
        code: z.string(),
        description: z.string(),
        permission: z.string(),
        requiresMfa: z.boolean(),
        defaultDelivery: delivery,
        /** Emails of this category carry no pupil detail. */
        sensitive: z.boolean(),
        /** Raised by the service itself; apps cannot post it. */
        internal: z.boolean(),
      }),
    ),
  })
  .register(z.globalRegistry, { id: 'NotificationCategoryList' });

export const preferencesSchema = z
  .object({
    categories: z.record(z.string(), delivery),
    digestHour: z.number().check(z.int()),
    timeZone: z.string(),
    version: z.number().check(z.int()),
  })
  .register(z.globalRegistry, { id: 'NotificationPreferences' });

export const putPreferencesBodySchema = z
  .strictObject({
    /** The categories to set; a category left out goes back to the trust's (or its own) default. */
    categories: z.partialRecord(categoryCode, delivery),
    /** The hour (0-23, the trust's time zone) of the daily digest; null: the trust's hour. */
    digestHour: z.optional(z.nullable(z.number().check(z.int(), z.gte(0), z.lte(23)))),
  })
  .register(z.globalRegistry, { id: 'NotificationPreferencesInput' });
