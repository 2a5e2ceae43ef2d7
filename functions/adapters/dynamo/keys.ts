/**
 * Every key of the single table is built here. Everything of one trust sits
 * under keys that start with `TRUST#<trustId>`, so a query built from the
 * caller's trust can never reach another tenant. The README's access-pattern
 * table lists the same patterns.
 */
export interface Key {
  pk: string;
  sk: string;
}

const trust = (trustId: string) => `TRUST#${trustId}`;

export const NODE_PREFIX = 'NODE#';

export const keys = {
  /** Trust settings and the tree version. */
  trustMeta: (trustId: string): Key => ({ pk: trust(trustId), sk: 'META' }),
  /** One node of a trust's tree; the whole tree is `pk = TRUST#t, begins_with(sk, NODE#)`. */
  node: (trustId: string, nodeId: string): Key => ({ pk: trust(trustId), sk: `${NODE_PREFIX}${nodeId}` }),
  treePartition: (trustId: string) => trust(trustId),
  /** Registry of trusts (bootstrap, seeding). */
  trustRegistry: (trustId: string): Key => ({ pk: 'TRUSTS', sk: trust(trustId) }),
  trustRegistryPartition: 'TRUSTS',
  /** A person's profile; memberships and assignments share the partition. */
  userProfile: (trustId: string, userId: string): Key => ({ pk: `${trust(trustId)}#USER#${userId}`, sk: 'PROFILE' }),
  /** Email uniqueness across the whole deployment (one user pool). */
  email: (email: string): Key => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'EMAIL' }),
  /** Cognito subject → account. */
  identity: (sub: string): Key => ({ pk: `SUB#${sub}`, sk: 'SUB' }),
  /** A refresh token's hash → account, so refresh can compute SECRET_HASH and honour sign-out. */
  refreshToken: (tokenHash: string): Key => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  /** Audit records of a trust, sorted by time. */
  auditPartition: (trustId: string) => `${trust(trustId)}#AUDIT`,
  audit: (trustId: string, at: string, id: string): Key => ({ pk: `${trust(trustId)}#AUDIT`, sk: `${at}#${id}` }),
};
