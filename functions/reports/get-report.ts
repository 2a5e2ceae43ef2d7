import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '../../domain/errors';
import type { Reach } from '../../domain/access/reach';
import { getReport, parseReportParams, reportPermissions, type ReportName } from '../../domain/reports/catalogue';
import { intersectReach, reportScope } from '../../domain/reports/model';
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
 * intersection of the caller's reaches of every code the report needs in
 * that format (reportPermissions: reports.view and users.view; users.export
 * too for the users CSV), as JSON or CSV. 403 `forbidden` naming the first
 * code whose reach leaves nothing of the node's subtree: reports.view alone
 * is no way round the directory's users.view and users.export (review E, E6). Above EXPORT_INLINE_MAX_BYTES the answer is stored
 * and the response is 303 to a short-lived link, as GET /users/export.csv.
 */
export const handler = userHandler({ params: reportNameParamsSchema, query: reportQuerySchema }, async ({ caller, params, query }) => {
  const def = getReport(params.name);
  const name = def.name as ReportName;
  const { tree, roles } = caller.context;
  const parsed = parseReportParams(name, query as Record<string, string | undefined>, tree);
  let readerReach: Reach | undefined;
  for (const permission of reportPermissions(name, parsed.format)) {
    const own = reach(caller, permission);
    readerReach = readerReach === undefined ? own : intersectReach(readerReach, own);
    if (reportScope(tree, readerReach, parsed.nodeId).size === 0) throw new ForbiddenError(`You need ${permission} here`);
  }
  if (readerReach === undefined) throw new ForbiddenError('You need reports.view here');
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
