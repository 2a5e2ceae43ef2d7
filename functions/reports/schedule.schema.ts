import * as z from '../shared/zod';
import { REPORT_NAMES } from '../../domain/reports/catalogue';
import { CADENCES } from '../../domain/reports/schedule';
import { cursorSchema, idSchema, limitSchema } from '../shared/schemas';
import { REPORT_PARAM_NAMES, reportParamKeywords } from './report.schema';

const paramValue = z.union([z.string().check(z.maxLength(200)), z.number()]);

/**
 * A schedule's report parameters: scheduleParams checks them with
 * parseReportParams (400 naming params.<name>): /openapi.json states each as
 * the report catalogue does (a number or its text where an integer) and no
 * other key; `format` is ignored (a scheduled report is always CSV).
 */
const scheduleParamsSchema = z.record(z.string().check(z.maxLength(64)), paramValue).register(z.globalRegistry, {
  properties: {
    ...Object.fromEntries(REPORT_PARAM_NAMES.filter((name) => name !== 'format').map((name) => [name, reportParamKeywords(name)])),
    format: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }], description: 'Ignored: a scheduled report is always CSV.' },
  },
  additionalProperties: false,
});

export const createScheduleBodySchema = z.strictObject({
  report: z.enum(REPORT_NAMES),
  params: z.optional(scheduleParamsSchema),
  cadence: z.enum(CADENCES),
  dayOfWeek: z.optional(z.number().check(z.int(), z.gte(0), z.lte(6))),
  dayOfMonth: z.optional(z.number().check(z.int(), z.gte(1), z.lte(28))),
  hour: z.number().check(z.int(), z.gte(0), z.lte(23)),
  recipientIds: z.array(idSchema).check(z.minLength(1), z.maxLength(50)),
});

export const updateScheduleBodySchema = z.partial(createScheduleBodySchema);

export const scheduleSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  report: z.string(),
  params: z.record(z.string(), paramValue),
  nodeId: z.string(),
  cadence: z.enum(CADENCES),
  dayOfWeek: z.optional(z.number()),
  dayOfMonth: z.optional(z.number()),
  hour: z.number(),
  recipientIds: z.array(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const scheduleListSchema = z.object({ items: z.array(scheduleSchema), nextCursor: z.nullable(z.string()) });

export const scheduleListQuerySchema = z.strictObject({ limit: limitSchema, cursor: cursorSchema });
