/** A tenant: its name, its root node and the version its tree is at. */
export interface Trust {
  id: string;
  name: string;
  rootNodeId: string;
  /** Bumped by every change to the tree or the trust's roles; the warm-container cache is keyed by it. */
  treeVersion: number;
  /** The account made at bootstrap (it holds the Trust Admin role at the root). */
  adminUserId: string;
  createdAt: string;
  policies: TrustPolicies;
}

export interface TrustPolicies {
  /** Only assign roles in a cluster to people who belong there (409 not_a_member). */
  membersOnly: boolean;
  /** Consecutive failed sign-ins (passwords or TOTP codes) that lock an account. */
  maxFailedLogins: number;
  /** Minutes after which a locked account unlocks by itself; absent: only an admin unlocks. */
  autoUnlockMinutes?: number;
  /** Administration permissions work only in sessions that passed TOTP. */
  requireMfaForAdmins: boolean;
}

export const defaultPolicies: TrustPolicies = { membersOnly: false, maxFailedLogins: 5, requireMfaForAdmins: false };
