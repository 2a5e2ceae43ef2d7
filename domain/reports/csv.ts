import { stringify } from 'csv-stringify/sync';
import { formulaSafe } from '../directory/csv-format';
import type { Cell } from './model';

/** Byte order mark: Excel reads the file as UTF-8 only with it. */
export const BOM = '\uFEFF';

/** A cell as CSV text: null is empty, booleans and numbers as JavaScript writes them. */
export function cellText(cell: Cell): string {
  return cell === null ? '' : String(cell);
}

/**
 * The one CSV writer of the service: the reports, their emailed attachments
 * and the users export (GET /users/export.csv) all go through it. A table as CSV: UTF-8 with a
 * BOM, RFC 4180 quoting and CRLF line ends (csv-stringify; any cell with a
 * line break quoted), and every cell,
 * header included, through formulaSafe, so no cell runs as a spreadsheet
 * formula.
 */
export function renderCsv(table: { columns: readonly string[]; rows: readonly (readonly Cell[])[] }): string {
  const records = [table.columns, ...table.rows].map((row) => row.map((cell) => formulaSafe(cellText(cell))));
  // With CRLF records csv-stringify quotes only cells holding "\r\n"; a lone \n or \r must be quoted too.
  return BOM + stringify(records, { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}
