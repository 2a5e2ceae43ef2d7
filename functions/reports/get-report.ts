import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '../../domain/errors';
import { getReport, parseReportParams, type ReportName } from '../../domain/reports/catalogue';
import { reportScope } from '../../domain/reports/model';
import { renderCsv } from '../../domain/reports/csv';
import { runReport } from '../../domain/reports/reports';
import { storeExport } from '../adapters/exports/export-store';
import { config } from '../config';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { loadReportData } from './report-data';
import { reportNameParamsSchema, reportQuerySchema } from './report.schema';

const CSV_TYPE = 'text/csv; charset=utf-8';
const JSON_TYPE = 'application/json';

/**
 * GET /reports/{name}: one report at nodeId (default the trust), cut to the
 * caller's reach of reports.view (403 when nothing of the node's subtree is
 * in it), as JSON or CSV. Above EXPORT_INLINE_MAX_BYTES the answer is stored
 * and the response is 303 to a short-lived link, as GET /users/export.csv.
 */
export const handler = userHandler({ params: reportNameParamsSchema, query: reportQuerySchema }, async ({ caller, params, query }) => {
  const def = getReport(params.name);
  const name = def.name as ReportName;
  const { tree, roles } = caller.context;
  const parsed = parseReportParams(name, query as Record<string, string | undefined>, tree);
  const readerReach = reach(caller, 'reports.view');
  const scope = reportScope(tree, readerReach, parsed.nodeId);
  if (scope.size === 0) throw new ForbiddenError('You need reports.view here');
  const now = new Date();
  const data = await loadReportData(name, { trust: caller.trust, tree, roles }, readerReach, parsed, now);
  const result = runReport(name, data, parsed, readerReach, now);
  const csv = parsed.format === 'csv';
  const body = csv ? renderCsv(result) : JSON.stringify(result);
  const filename = `${name}-${now.toISOString().slice(0, 10)}.${csv ? 'csv' : 'json'}`;
  const contentType = csv ? CSV_TYPE : JSON_TYPE;
  const bytes = Buffer.byteLength(body);
  if (bytes <= config().EXPORT_INLINE_MAX_BYTES) {
    return { statusCode: 200, headers: { 'content-type': contentType, ...(csv ? { 'content-disposition': `attachment; filename="${filename}"` } : {}) }, body };
  }
  const stored = await storeExport(`exports/${caller.trust.id}/${randomUUID()}/${filename}`, body, filename, contentType);
  return json(303, { url: stored.url, expiresAt: stored.expiresAt, rows: result.rows.length, bytes }, { location: stored.url });
});
