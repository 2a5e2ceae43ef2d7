import { passwordPolicy } from '../../domain/identity/password-policy';

/**
 * User-pool settings shared by the CDK stateful stack and the local stack.
 * Email is the username (case-insensitive); TOTP is the only second factor and
 * is optional per user; the API's app client is confidential and allows only
 * password and refresh flows, so nobody can authenticate around the lockout.
 */
export const userPoolDefinition = {
  poolName: 'trust-access-users',
  clientName: 'trust-access-api',
  usernameAttributes: ['email'] as const,
  caseSensitiveUsernames: false,
  mfa: 'OPTIONAL' as const,
  mfaSecondFactor: { otp: true, sms: false },
  passwordPolicy,
  authFlows: { userPassword: true, userSrp: false, adminUserPassword: false, custom: false },
  /** SDK names of the same flows, for CreateUserPoolClient. */
  explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] as const,
  accessTokenValidityMinutes: 60,
  idTokenValidityMinutes: 60,
  refreshTokenValidityDays: 30,
} as const;
