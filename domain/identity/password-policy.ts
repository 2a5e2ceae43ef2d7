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
