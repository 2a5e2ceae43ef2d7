import * as z from '../shared/zod';
import { REPORT_FORMATS } from '../../domain/reports/catalogue';

export const reportParamSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'integer']),
  description: z.string(),
  default: z.optional(z.union([z.string(), z.number()])),
  minimum: z.optional(z.number()),
  maximum: z.optional(z.number()),
  enum: z.optional(z.array(z.string())),
});

export const reportCatalogueSchema = z.object({
  items: z.array(z.object({ name: z.string(), description: z.string(), columns: z.array(z.string()), params: z.array(reportParamSchema) })),
});

export const reportNameParamsSchema = z.object({ name: z.string() });

/**
 * The query string of GET /reports/{name}: the parameters of every report,
 * each a string; loose so a parameter the report does not take reaches
 * parseReportParams, which names it in the 400 (a typo must not fall back
 * to a default silently).
 */
export const reportQuerySchema = z.looseObject({
  nodeId: z.optional(z.string()),
  format: z.optional(z.enum(REPORT_FORMATS)),
  withinDays: z.optional(z.string()),
  days: z.optional(z.string()),
});

export const cellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const reportResultSchema = z.object({ columns: z.array(z.string()), rows: z.array(z.array(cellSchema)), generatedAt: z.string() });

// Review E, E4: GET /reports/files/{fileId}, the emailed link of a report too large to attach.
export const reportFileParamsSchema = z.object({ fileId: z.string().check(z.minLength(1), z.maxLength(1000)) });
export const reportFileQuerySchema = z.object({
  /** When the link stops working, epoch seconds. */
  e: z.string().check(z.regex(/^\d{1,12}$/)),
  /** HMAC-SHA256 of the id and e, base64url. */
  s: z.string().check(z.minLength(1), z.maxLength(100)),
});
export const reportFileRedirectSchema = z.object({ url: z.string(), expiresAt: z.string() });
