/**
 * What a name people type may hold, in one place (security review B, F1):
 * person first and last names, job titles, node names and role names end up
 * in CSV files, emails and other apps' screens, so they carry no control
 * characters (C0: NUL…US, which includes TAB, LF and CR, and DEL). A line
 * break in a name used to start a new spreadsheet row in the users export.
 * The single routes' zod schemas (functions/shared/schemas.ts `plainText`),
 * the CSV import's cell rules (domain/directory/import-file.ts) and the MIS
 * planner (domain/mis/plan.ts) all ask this module.
 */

/** A C0 control character or DEL. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The words every path uses when it refuses one. */
export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters (line breaks, tabs)';

/** The longest value of each typed name, in characters (after trimming). */
export const TEXT_LIMITS = {
  personName: 80,
  jobTitle: 80,
  nodeName: 120,
  roleName: 80,
  /** RFC 5321's path limit, as the email schema has it. */
  email: 254,
} as const;

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** Why a (trimmed) name cannot be stored, or undefined when it can. */
export function nameProblem(text: string, max: number): string | undefined {
  if (text === '') return 'is required';
  if (text.length > max) return `must be at most ${max} characters`;
  if (hasControlCharacter(text)) return CONTROL_CHARACTER_MESSAGE;
  return undefined;
}
