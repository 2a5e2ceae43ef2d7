import { DELIVERIES, notificationCategories } from '../../domain/notifications/categories';
import { NOT_BLANK, subjectIdSchema, utcTimeSchema } from '../shared/schemas';
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

export const postEventBodySchema = z
  .strictObject({
    category: categoryCode,
    nodeId: z.string().check(z.minLength(1), z.maxLength(64)),
    /** The pupil (or other subject) the event is about: blocks from it are honoured. */
    subjectId: z.optional(subjectIdSchema),
    title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)).register(z.globalRegistry, NOT_BLANK),
    summary: z.optional(z.string().check(z.trim(), z.maxLength(2000))),
    link: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(2048))),
    occurredAt: utcTimeSchema,
    /** The same key again from the same sender (person or app) answers the first event and sends nothing new; keys starting `service:` are the service's own (400). */
    idempotencyKey: z.string().check(z.minLength(1), z.maxLength(128)),
  })
  .register(z.globalRegistry, { id: 'NotificationEventInput' });

export const eventAcceptedSchema = z
  .object({
    id: z.string(),
    recipients: z.number().check(z.int()).register(z.globalRegistry, {
      description: "How many people the event reaches at its node, counted without the pupil's blocks (so the answer tells nothing about who is blocked from which pupil); for a parents' category, the pupil's linked parents",
    }),
    duplicate: z.boolean(),
  })
  .register(z.globalRegistry, { id: 'NotificationEventAccepted' });

export const feedQuerySchema = z.object({ limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50), cursor: z.optional(z.string().check(z.maxLength(2048))) });

export const feedSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        category: z.string(),
        nodeId: z.string(),
        subjectId: z.optional(z.string()),
        title: z.string(),
        summary: z.optional(z.string()),
        link: z.optional(z.string()),
        occurredAt: z.string(),
        delivery: z.enum(['immediate', 'digest']),
        emailedAt: z.optional(z.string()),
      }),
    ),
    nextCursor: z.nullable(z.string()),
  })
  .register(z.globalRegistry, { id: 'NotificationFeed' });
