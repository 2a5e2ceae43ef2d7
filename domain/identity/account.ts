import type { EmailDelivery } from './email-delivery';

export type AccountStatus = 'invited' | 'active' | 'locked' | 'inactive';
export type UserType = 'staff' | 'parent';

/** What every request needs to know about the person calling. */
export interface Account {
  id: string;
  trustId: string;
  email: string;
  firstName: string;
  lastName: string;
  userType: UserType;
  status: AccountStatus;
  source: 'manual' | 'mis';
  cognitoUsername: string;
  /** Epoch seconds; tokens whose sign-in (auth_time) is earlier are refused. */
  sessionsValidAfter: number;
  mobile?: string;
  /** TOTP is set up and required at every sign-in. */
  mfaEnabled: boolean;
  /** Epoch seconds when TOTP was turned on: only sign-ins since then passed it. */
  mfaEnabledAt?: number;
  /**
   * Sign-ins that answered the TOTP challenge in the very second TOTP was
   * turned on (their auth_time is before mfaEnabledAt), by session id. Cleared
   * whenever TOTP goes off.
   */
  mfaSessionIds?: string[];
  /**
   * An admin reset turned TOTP off here but the emulator could not turn it
   * off in Cognito (no AdminSetUserMFAPreference); the next password sign-in
   * finishes it. Never set against AWS.
   */
  cognitoTotpOffPending?: boolean;
  /** Changed by hand although it came from the MIS (the nightly sync leaves it alone). */
  edited: boolean;
  /**
   * Set while the account is inactive because the MIS sync made it so (a
   * leaver): only then may the sync reactivate it. Any activation, and a
   * deactivation by hand (even of an account already inactive), clears it.
   */
  deactivatedBy?: 'mis';
  /** Consecutive failed sign-ins since the last success (atomic counter). */
  failedLogins?: number;
  /**
   * Epoch seconds until which the sign-in attempts reserved before asking
   * Cognito (`reservedAttempts`: failures + attempts in flight) hold their
   * places; past it only `failedLogins` counts (domain/identity/lockout.ts).
   */
  reservedUntil?: number;
  /** When the account locked (ISO); with the trust's auto-unlock it unlocks by itself later. */
  lockedAt?: string;
  /** When the invitation was accepted (ISO): an account that never accepted goes back to `invited` on activation. */
  acceptedAt?: string;
  /** The hash of the one invitation link that still works; a re-send replaces it. */
  invitationTokenHash?: string;
  /** The hash of the one password-reset link that still works. */
  resetTokenHash?: string;
  /** SES reported the address undeliverable (a permanent bounce or a complaint); an email change clears it. */
  emailDelivery?: EmailDelivery;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SessionClaims {
  /** Epoch seconds of the sign-in the token descends from (refreshes keep it). */
  authTime: number;
  /** The sign-in's id, kept by refreshes (Cognito's origin_jti; the emulator's event_id). */
  sessionId?: string;
}

/**
 * Only an active account with a token from a sign-in after its last sign-out
 * may act. This is what makes deactivation and sign-out immediate, since the
 * gateway's JWT check never looks at revocation.
 */
export function sessionIsValid(account: Account | undefined, claims: SessionClaims): account is Account {
  return account !== undefined && account.status === 'active' && claims.authTime >= account.sessionsValidAfter;
}

/**
 * Whether this session passed 2FA: the account has TOTP on and the session
 * either comes from a sign-in in a whole second after TOTP was turned on
 * (Cognito challenged every such sign-in), or is one the TOTP step itself
 * recorded as passed. The second case covers a sign-in in the same second as
 * turning TOTP on, which a time comparison cannot tell apart from a
 * password-only sign-in made a moment before the switch: only the sign-in
 * that answered the challenge knows, so it says so by its session id, and a
 * password-only session of that second never counts.
 */
export function sessionPassedMfa(account: Account, claims: SessionClaims): boolean {
  if (!account.mfaEnabled || account.mfaEnabledAt === undefined) return false;
  if (claims.authTime >= account.mfaEnabledAt) return true;
  return claims.sessionId !== undefined && (account.mfaSessionIds ?? []).includes(claims.sessionId);
}

/**
 * Whether a sign-in that has just answered the TOTP challenge must be
 * recorded to count as 2FA: only when its whole-second time does not already
 * show it (it happened in the second TOTP was turned on).
 */
export function mfaSignInNeedsRecord(account: Pick<Account, 'mfaEnabled' | 'mfaEnabledAt'>, authTime: number): boolean {
  return account.mfaEnabled && account.mfaEnabledAt !== undefined && authTime < account.mfaEnabledAt;
}

/** The id of the sign-in a token descends from: Cognito's origin_jti survives refreshes; the emulator has only event_id. */
export function sessionIdOf(claims: Record<string, unknown> | undefined): string | undefined {
  const id = claims?.origin_jti ?? claims?.event_id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

export const displayName = (account: Pick<Account, 'firstName' | 'lastName'>) => `${account.firstName} ${account.lastName}`;
