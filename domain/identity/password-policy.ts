import { InvalidInputError } from '../errors';

/**
 * The password policy, in one place: the user pool is configured from it and
 * the API checks it itself (cognito-local does not enforce a policy, and the
 * API must name the failing rule in its 400 anyway). Accept, reset and the
 * bootstrap script all use `assertStrongPassword`.
 */
export const passwordPolicy = {
  minLength: 12,
  maxLength: 256,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: false,
  temporaryPasswordValidityDays: 7,
} as const;

/**
 * The common-password list, lower-cased: about 49,000 passwords seen in
 * breaches (functions/adapters/common-passwords.ts reads the list
 * @zxcvbn-ts/language-common ships). A password is refused when it, or its
 * stem without trailing digits and symbols ("Football2024!" → "football"), is
 * on it.
 */
export type CommonPasswords = ReadonlySet<string>;

/** The rules a password breaks, in words a person can act on; empty when it passes. */
export function passwordViolations(password: string, common: CommonPasswords, context: { email?: string } = {}): string[] {
  const broken: string[] = [];
  if (password.length < passwordPolicy.minLength) broken.push(`at least ${passwordPolicy.minLength} characters`);
  if (password.length > passwordPolicy.maxLength) broken.push(`at most ${passwordPolicy.maxLength} characters`);
  if (passwordPolicy.requireLowercase && !/[a-z]/.test(password)) broken.push('a lowercase letter');
  if (passwordPolicy.requireUppercase && !/[A-Z]/.test(password)) broken.push('an uppercase letter');
  if (passwordPolicy.requireDigits && !/\d/.test(password)) broken.push('a digit');
  // Cognito's PasswordType pattern ([\S]+.*[\S]+) refuses these: the API must say so, not fail at Cognito (review A, L3).
  if (/^\s|\s$/.test(password)) broken.push('no spaces at the start or end');
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/, '');
  if (common.has(lower) || (stem.length >= 4 && common.has(stem))) broken.push('not a common or breached password');
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) broken.push('not based on your email address');
  return broken;
}

/** Human-readable rules, for the pages that ask for a password. */
export const passwordRules = [
  `At least ${passwordPolicy.minLength} characters`,
  'Upper- and lowercase letters and at least one digit',
  'Not a common or breached password, and not based on your email address',
  'No spaces at the start or end',
];

export class WeakPasswordError extends InvalidInputError {
  constructor(broken: string[]) {
    super('weak_password', `The password needs ${broken.join(', ')}`, broken.map((rule) => ({ path: 'password', message: `needs ${rule}` })));
    this.name = 'WeakPasswordError';
  }
}

export function assertStrongPassword(password: string, common: CommonPasswords, context: { email?: string } = {}): void {
  const broken = passwordViolations(password, common, context);
  if (broken.length > 0) throw new WeakPasswordError(broken);
}
