/**
 * Bounds on what an MIS run keeps of its error rows. A run is one DynamoDB
 * item (≤ 400 KB), and a roster's cells are whatever the export holds, of
 * any length: so a message quotes at most a short prefix of a cell, each
 * field of a row is clipped, and the run lists the first rows that fit a
 * byte budget (and a count), counting the rest in `errorsOmitted`.
 */

/** Characters of a roster cell an error message quotes (then `…`). */
export const QUOTED_CELL_CHARS = 40;
/** Characters kept of an error row's message, sourcedId and code. */
export const MAX_ERROR_MESSAGE_CHARS = 300;
export const MAX_ERROR_SOURCED_ID_CHARS = 256;
export const MAX_ERROR_CODE_CHARS = 64;
/** Error rows a run lists at most… */
export const MAX_RUN_ERRORS = 500;
/** …and the bytes (UTF-8 JSON) they may take in all: the run item stays far under DynamoDB's 400 KB, and 20 runs fit a 4 MB list answer. */
export const MAX_RUN_ERROR_BYTES = 200 * 1024;

export interface RunErrorRow {
  sourcedId: string | null;
  line: number | null;
  code: string;
  message: string;
}

/** At most `max` characters (code points, so no surrogate pair is split), `…` marking a cut. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  // A code point is at most two UTF-16 units: never spread a huge cell.
  const points = Array.from(value.slice(0, 2 * max));
  return points.length <= max && value.length <= 2 * max ? value : `${points.slice(0, max - 1).join('')}…`;
}

/** A roster cell as an error message quotes it. */
export const quoteCell = (value: string): string => `"${clip(value, QUOTED_CELL_CHARS)}"`;

export function clipError<E extends RunErrorRow>(error: E): RunErrorRow {
  return {
    sourcedId: error.sourcedId === null ? null : clip(error.sourcedId, MAX_ERROR_SOURCED_ID_CHARS),
    line: error.line,
    code: clip(error.code, MAX_ERROR_CODE_CHARS),
    message: clip(error.message, MAX_ERROR_MESSAGE_CHARS),
  };
}

const encoder = new TextEncoder();
export const byteSize = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;

/**
 * The rows a run lists: the first ones, clipped, while both the count and the
 * byte budget allow; every row left out is added to `omitted`.
 */
export function boundErrors(
  errors: readonly RunErrorRow[], omitted: number, limits: { maxCount: number; maxBytes: number } = { maxCount: MAX_RUN_ERRORS, maxBytes: MAX_RUN_ERROR_BYTES },
): { errors: RunErrorRow[]; errorsOmitted: number } {
  const kept: RunErrorRow[] = [];
  let bytes = 2;
  for (const error of errors) {
    if (kept.length >= limits.maxCount) break;
    const row = clipError(error);
    const size = byteSize(row) + 1;
    if (bytes + size > limits.maxBytes) break;
    kept.push(row);
    bytes += size;
  }
  return { errors: kept, errorsOmitted: omitted + errors.length - kept.length };
}
