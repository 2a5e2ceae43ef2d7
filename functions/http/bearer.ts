import { UnauthenticatedError } from '../../domain/errors';

/**
 * The caller's own access token, for the Cognito calls that act as the person
 * (TOTP set-up). The gateway already verified it; this only takes it out of
 * the header.
 */
export function bearerToken(headers: Record<string, string | undefined>): string {
  const token = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (!token) throw new UnauthenticatedError();
  return token;
}
