import { randomUUID } from 'node:crypto';
import { USER_CSV_COLUMNS } from '../../domain/directory/csv-format';
import { exportRow } from '../../domain/directory/export-row';
import { renderCsv } from '../../domain/reports/csv';
import { ForbiddenError } from '../../domain/errors';
import { storeExport } from '../adapters/exports/export-store';
import { config } from '../config';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { allInDirectory } from './directory';
import { exportUsersQuerySchema } from './directory.schema';
import { directoryFilters } from './directory-filters';

const CSV_TYPE = 'text/csv; charset=utf-8';

/**
 * GET /users/export.csv: every person in the caller's reach of users.export
 * that matches the list's filters, one row each (API.md columns), UTF-8 with
 * a BOM, written by the reports' renderCsv (the one CSV writer: RFC 4180
 * quoting, a cell with any line break quoted, every cell formula-safe). Up to
 * EXPORT_INLINE_MAX_BYTES the file is the answer; above, it is stored and the
 * answer is 303 to a short-lived download link (a trust's 60,000 rows are
 * well over Lambda's 6 MB response).
 */
export const handler = userHandler({ query: exportUsersQuerySchema }, async ({ caller, query }) => {
  const scope = reach(caller, 'users.export');
  if (scope.size === 0) throw new ForbiddenError('You need users.export');
  const { sort, order, ...filters } = query;
  const entries = await allInDirectory(caller.trust.id, scope, { filters: directoryFilters(caller, filters), sort, order });
  const { tree, roles } = caller.context;
  const names = { nodeName: (id: string) => tree.nodes.get(id)?.name, roleName: (id: string) => roles.get(id)?.name };
  const rows = [...entries].map((entry) => exportRow(entry, names));
  const csv = renderCsv({ columns: USER_CSV_COLUMNS, rows });
  const filename = `users-${new Date().toISOString().slice(0, 10)}.csv`;
  const bytes = Buffer.byteLength(csv);
  if (bytes <= config().EXPORT_INLINE_MAX_BYTES) {
    return { statusCode: 200, headers: { 'content-type': CSV_TYPE, 'content-disposition': `attachment; filename="${filename}"` }, body: csv };
  }
  const stored = await storeExport(`exports/${caller.trust.id}/${randomUUID()}/${filename}`, csv, filename, CSV_TYPE);
  return json(303, { url: stored.url, expiresAt: stored.expiresAt, rows: rows.length, bytes }, { location: stored.url });
});
