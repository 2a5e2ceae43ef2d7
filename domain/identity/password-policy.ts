/**
 * The password policy, in one place: the user pool is configured from it and
 * the API checks it itself (cognito-local does not enforce a policy, and the
 * API must name the failing rule in its 400 anyway).
 */
export const passwordPolicy = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: false,
  temporaryPasswordValidityDays: 7,
} as const;

/** The rules a password breaks, by name; empty when it passes. */
export function passwordViolations(password: string): string[] {
  const broken: string[] = [];
  if (password.length < passwordPolicy.minLength) broken.push(`at least ${passwordPolicy.minLength} characters`);
  if (passwordPolicy.requireLowercase && !/[a-z]/.test(password)) broken.push('a lowercase letter');
  if (passwordPolicy.requireUppercase && !/[A-Z]/.test(password)) broken.push('an uppercase letter');
  if (passwordPolicy.requireDigits && !/\d/.test(password)) broken.push('a digit');
  return broken;
}
