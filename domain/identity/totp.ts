import { ConflictError, ForbiddenError } from '../errors';
import type { Account } from './account';

/**
 * The key URI authenticator apps read from a QR code
 * (https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/<issuer>:<email>?secret=…&issuer=…`. The issuer is the
 * trust's name, so people with accounts at two trusts can tell them apart.
 * Cognito's codes are SHA-1, 6 digits, 30 seconds: the apps' defaults.
 */
export function otpauthUri(input: { issuer: string; email: string; secret: string }): string {
  const issuer = input.issuer.replace(/:/g, ' ').trim() || 'Trust access';
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(input.email)}`;
  const query = new URLSearchParams({ secret: input.secret, issuer });
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}

/** What the sign-in API calls the second step (Cognito calls it SOFTWARE_TOKEN_MFA). */
export const TOTP_CHALLENGE = 'MFA_TOTP';

/**
 * With TOTP already on, only a session that passed it may move it to a new
 * device: a session from before TOTP was turned on must not re-key it.
 */
export function assertMayChangeTotp(account: Pick<Account, 'mfaEnabled'>, sessionPassedMfa: boolean): void {
  if (account.mfaEnabled && !sessionPassedMfa) {
    throw new ForbiddenError('Sign in with your current authenticator code to set up a new one', 'mfa_required');
  }
}

/**
 * Set-up starts only while TOTP is off. In AWS, AssociateSoftwareToken on an
 * account that has TOTP makes Cognito accept the password alone until the new
 * code is verified, so a re-key would be a way around DELETE /me/mfa/totp's
 * checks (a current code; never for people whose roles or trust require 2FA),
 * and a stolen 2FA session could move the authenticator to its own device. To
 * move to a new device: DELETE /me/mfa/totp with a current code, then set up
 * again; people who may not turn 2FA off ask an admin for a 2FA reset.
 */
export function assertMayStartTotpSetUp(account: Pick<Account, 'mfaEnabled'>): void {
  if (account.mfaEnabled) {
    throw new ConflictError('mfa_already_enabled', 'Two-factor sign-in is already on: turn it off with a current code first, or ask an administrator to reset it');
  }
}

/** How recent a sign-in must be to start turning TOTP on. */
export const TOTP_SET_UP_WITHIN_MINUTES = 15;

/**
 * Turning TOTP on needs a session that signed in in the last
 * TOTP_SET_UP_WITHIN_MINUTES (refreshes keep the sign-in time): a stolen
 * access or refresh token alone cannot enrol the thief's authenticator and
 * lock the owner out of sign-in until an admin resets it (security review A, L1).
 */
export function assertRecentSignInForTotp(signedInAt: number | undefined, now: Date): void {
  if (signedInAt === undefined) return;
  if (now.getTime() / 1000 - signedInAt > TOTP_SET_UP_WITHIN_MINUTES * 60) {
    throw new ForbiddenError('Sign in again to set up two-factor sign-in', 'recent_sign_in_required');
  }
}
