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
  /** Changed by hand although it came from the MIS (the nightly sync leaves it alone). */
  edited: boolean;
  /** Consecutive failed sign-ins since the last success (atomic counter). */
  failedLogins?: number;
  /** When the account locked (ISO); with the trust's auto-unlock it unlocks by itself later. */
  lockedAt?: string;
  /** When the invitation was accepted (ISO): an account that never accepted goes back to `invited` on activation. */
  acceptedAt?: string;
  /** The hash of the one invitation link that still works; a re-send replaces it. */
  invitationTokenHash?: string;
  /** The hash of the one password-reset link that still works. */
  resetTokenHash?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SessionClaims {
  /** Epoch seconds of the sign-in the token descends from (refreshes keep it). */
  authTime: number;
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
 * comes from a sign-in after it was turned on (every such sign-in needed it).
 */
export function sessionPassedMfa(account: Account, claims: SessionClaims): boolean {
  return account.mfaEnabled && account.mfaEnabledAt !== undefined && claims.authTime >= account.mfaEnabledAt;
}

export const displayName = (account: Pick<Account, 'firstName' | 'lastName'>) => `${account.firstName} ${account.lastName}`;
