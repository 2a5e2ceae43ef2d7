import { parse } from 'csv-parse/sync';
import { InvalidInputError, PayloadTooLargeError } from '../errors';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter, TEXT_LIMITS } from '../text-rules';
import { fromFormulaSafe, quoteCell, USER_CSV_COLUMNS, type UserCsvColumn } from './csv-format';

/**
 * Reading a users CSV the way spreadsheets write it (API.md, "the CSV round
 * trip"): `csv-parse` does the CSV itself (BOM, quoted fields with the
 * separator and line breaks in them); this module finds the separator, maps
 * the header case-insensitively to the export's columns, undoes the export's
 * formula guard and reports every row's own problems with its line.
 */

/** At most this many data rows per file (413 above). */
export const MAX_IMPORT_ROWS = 10_000;
/** At most this many bytes per file (413 above). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** A file must carry these columns; the others may be left out (their values are then kept). */
export const REQUIRED_IMPORT_COLUMNS: readonly UserCsvColumn[] = ['firstName', 'lastName', 'email'];

/**
 * The longest cell the import reads, per column (characters, after the
 * formula guard comes off and the cell is trimmed); a longer cell is the
 * row's error `too_long` and is not read. Aligned with the single routes'
 * schemas (names, job title, email, id, a node name); `schools` and `roles`
 * hold several names, so they get room for a few dozen. The read-only
 * columns are ignored, so they have no limit.
 */
export const MAX_CELL_CHARS: Readonly<Partial<Record<UserCsvColumn, number>>> = {
  id: 64,
  firstName: TEXT_LIMITS.personName,
  lastName: TEXT_LIMITS.personName,
  email: TEXT_LIMITS.email,
  mobile: 32,
  userType: 16,
  primarySchool: TEXT_LIMITS.nodeName,
  jobTitle: TEXT_LIMITS.jobTitle,
  schools: 4_000,
  roles: 4_000,
};

/** Cells of these columns are names people typed: a control character in one is the row's error `control_characters`. */
const PLAIN_TEXT_COLUMNS: ReadonlySet<UserCsvColumn> = new Set(['firstName', 'lastName', 'jobTitle', 'primarySchool', 'schools', 'roles']);

/** Codes of a cell the import refused to read (the cell is left out of the row). */
export const UNREAD_CELL_CODES: ReadonlySet<string> = new Set(['too_long', 'control_characters']);

/** One problem with one cell (or with the row as a whole: column `*`). */
export interface CellError {
  column: string;
  code: string;
  message: string;
}

export interface CsvRow {
  /** The line of the file the row starts on (the header is line 1). */
  line: number;
  /** The cells of the known columns present in the file, formula guard removed, trimmed. */
  cells: Partial<Record<UserCsvColumn, string>>;
  errors: CellError[];
}

/** `;` or `,`, whichever the header line has more of (outside quotes); `,` when neither. */
export function detectDelimiter(text: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ';') semicolons++;
    else if (!quoted && char === ',') commas++;
  }
  return semicolons > commas ? ';' : ',';
}

const byLowerName = new Map<string, UserCsvColumn>(USER_CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));

/**
 * The file's rows. Throws PayloadTooLargeError (413) over MAX_IMPORT_BYTES or
 * MAX_IMPORT_ROWS, InvalidInputError (400) when the file cannot be read as
 * CSV at all or required columns are missing (each named).
 */
export function readUsersCsv(text: string): CsvRow[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES) {
    throw new PayloadTooLargeError(`The file is over the import limit of ${MAX_IMPORT_BYTES} bytes (5 MB); split it`);
  }
  // One line-break style, so csv-parse counts lines right (it counts a quoted CR LF as two).
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(normalised, {
      delimiter: detectDelimiter(normalised), relax_column_count: true, skip_empty_lines: true, info: true, record_delimiter: '\n',
    }) as unknown as typeof records;
  } catch (error) {
    throw new InvalidInputError('invalid_csv', `The file is not valid CSV: ${(error as Error).message}`, [{ path: 'body', message: (error as Error).message }]);
  }
  const [header, ...data] = records;
  if (!header) throw new InvalidInputError('invalid_csv', 'The file is empty', [{ path: 'body', message: 'no header line' }]);
  if (data.length > MAX_IMPORT_ROWS) {
    throw new PayloadTooLargeError(`The file has ${data.length} rows, over the import limit of ${MAX_IMPORT_ROWS} rows; split it`);
  }
  const columns = header.record.map((name) => byLowerName.get(name.replace(/^\uFEFF/, '').trim().toLowerCase()));
  const missing = REQUIRED_IMPORT_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new InvalidInputError('missing_columns', `The file lacks the column(s) ${missing.join(', ')}`, missing.map((c) => ({ path: c, message: 'required column missing' })));
  }
  return data.map(({ record, info }) => {
    // info.lines is the line the record ends on; a quoted line break moves its start up.
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    const cells: CsvRow['cells'] = {};
    const errors: CellError[] =
      record.length === header.record.length
        ? []
        : [{ column: '*', code: 'column_count', message: `The row has ${record.length} cells; the header has ${header.record.length}` }];
    const seen = new Set<UserCsvColumn>();
    columns.forEach((column, i) => {
      if (!column || seen.has(column)) return;
      seen.add(column);
      const value = fromFormulaSafe(record[i] ?? '').trim();
      const problem = cellProblem(column, value);
      if (problem) errors.push(problem);
      else cells[column] = value;
    });
    return { line, cells, errors };
  });
}

/** Why a cell cannot be read (too long, or a control character in a name), or undefined. */
function cellProblem(column: UserCsvColumn, value: string): CellError | undefined {
  const max = MAX_CELL_CHARS[column];
  if (max !== undefined && value.length > max) {
    return { column, code: 'too_long', message: `The cell has ${value.length} characters; ${column} holds at most ${max}` };
  }
  if (PLAIN_TEXT_COLUMNS.has(column) && hasControlCharacter(value)) return { column, code: 'control_characters', message: `${column} ${CONTROL_CHARACTER_MESSAGE}` };
  return undefined;
}

/**
 * A mobile number as a cell holds it: empty is none; Excel drops the `+` of
 * an international number it takes for a number (447700900123 → +447700900123;
 * a national 07700… keeps its 0), and a `'` typed to keep it as text comes off.
 * A number Excel turned into 4.477E+11 cannot be recovered: an error.
 */
export function mobileFromCell(cell: string): { mobile: string | null } | { error: CellError } {
  const text = cell.replace(/^'/, '').trim();
  if (text === '') return { mobile: null };
  if (/^\d(\.\d+)?e\+?\d+$/i.test(text)) {
    return { error: { column: 'mobile', code: 'mangled_number', message: `${quoteCell(text)} was turned into a number by a spreadsheet; format the column as text and type the number again` } };
  }
  if (/^[1-9]\d{9,14}$/.test(text)) return { mobile: `+${text}` };
  return { mobile: text };
}
