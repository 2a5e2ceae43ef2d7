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
