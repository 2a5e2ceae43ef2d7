import type { AccountStatus, UserType } from '../identity/account';

// The access model's data: what a decision is about and what it answers.
/** ISO times; valid iff (!validFrom || validFrom <= now) && (!validUntil || now < validUntil). */
export interface Assignment {
  id: string;
  roleId: string;
  nodeId: string;
  validFrom?: string;
  validUntil?: string;
}

export interface Membership {
  nodeId: string;
  jobTitle?: string;
  primary: boolean;
  isManager: boolean;
}

export interface Block {
  subjectId: string;
  schoolId: string;
  reason?: string;
}

export interface ChildLink {
  subjectId: string;
  schoolId: string;
}

/** Everything a decision about one person needs, as one Query loads it. */
export interface Person {
  id: string;
  status: AccountStatus;
  userType: UserType;
  mfaEnabled: boolean;
  assignments: Assignment[];
  memberships: Membership[];
  blocks: Block[];
  children: ChildLink[];
}

export type Reason = 'granted' | 'no_grant' | 'expired' | 'blocked' | 'mfa_required' | 'inactive' | 'not_linked';

export interface Via {
  readonly assignmentId: string;
  readonly roleId: string;
  readonly nodeId: string;
}

/** Decisions may be shared, frozen objects: treat them as read-only. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: Reason;
  readonly via?: Via;
}

const deny = (reason: Exclude<Reason, 'granted'>): Decision => Object.freeze({ allowed: false, reason });
export const INACTIVE = deny('inactive');
export const NO_GRANT = deny('no_grant');
export const EXPIRED = deny('expired');
export const BLOCKED = deny('blocked');
export const NOT_LINKED = deny('not_linked');
export const MFA_REQUIRED = deny('mfa_required');
