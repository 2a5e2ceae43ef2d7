import { ID_PATTERN } from '../shared/schemas';
import * as z from '../shared/zod';
import { REPORT_CATALOGUE, REPORT_NAMES } from '../../domain/reports/catalogue';

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

/** Any other name is 404 not_found (getReport), so /openapi.json lists the catalogue's names. */
export const reportNameParamsSchema = z.object({ name: z.string().register(z.globalRegistry, { enum: [...REPORT_NAMES] }) });

/**
 * One parameter of GET /reports/{name} as /openapi.json states it, from the
 * catalogue: parseReportParams checks it (a 400 naming query.<name>): an
 * integer within its bounds, one of its values, or a node id (of this trust).
 * The document cannot tie a parameter to the report in the path, so each
 * description names the reports that take it.
 */
export function reportParamKeywords(name: string) {
  const def = REPORT_CATALOGUE.flatMap((report) => report.params).find((param) => param.name === name)!;
  const takers = REPORT_CATALOGUE.filter((report) => report.params.some((param) => param.name === name)).map((report) => report.name);
  const only = takers.length < REPORT_CATALOGUE.length ? ` Only ${takers.join(', ')} ${takers.length === 1 ? 'takes' : 'take'} it: another report answers 400 naming it.` : '';
  const keywords = def.type === 'integer'
    ? { type: 'integer', minimum: def.minimum, maximum: def.maximum }
    // nodeId: a node id; empty is the same as absent (the trust).
    : def.enum ? { type: 'string', enum: [...def.enum] } : { type: 'string', maxLength: 64, pattern: `^(?:${ID_PATTERN.source.slice(1, -1)})?$` };
  return { ...keywords, ...(def.default !== undefined ? { default: def.default } : {}), description: `${def.description}.${only}` };
}

/** The names of every report's parameters, from the catalogue. */
export const REPORT_PARAM_NAMES = [...new Set(REPORT_CATALOGUE.flatMap((report) => report.params.map((param) => param.name)))];

function reportParam(name: string) {
  const def = REPORT_CATALOGUE.flatMap((report) => report.params).find((param) => param.name === name)!;
  const meta = reportParamKeywords(name);
  return z.optional(def.enum ? z.enum(def.enum as [string, ...string[]]).register(z.globalRegistry, meta) : z.string().register(z.globalRegistry, meta));
}

/**
 * The query string of GET /reports/{name}: the parameters of every report
 * (from the catalogue), loose so a parameter the report does not take
 * reaches parseReportParams, which names it in the 400 (a typo must not fall
 * back to a default silently).
 */
export const reportQuerySchema = z.looseObject(Object.fromEntries(REPORT_PARAM_NAMES.map((name) => [name, reportParam(name)])));

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
