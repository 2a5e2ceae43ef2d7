import type { Account } from '../identity/account';
import type { OrgNode } from './tree';
import { defaultPolicies, type Trust } from './trust';

/** A starting tree, described by names: parents appear before their children. */
export interface TreeSeed {
  kind: 'cluster' | 'school';
  name: string;
  /** Name of the parent; absent means under the trust. */
  parent?: string;
  label?: string;
}

export interface NewTrustPlan {
  trust: Trust;
  root: OrgNode;
  children: OrgNode[];
  admin: Account;
}

/**
 * A new tenant: the trust node as root, the seeded tree under it, and the
 * admin account that may change the tree until roles exist.
 */
export function planNewTrust(input: {
  name: string;
  admin: { email: string; firstName: string; lastName: string; cognitoUsername: string };
  tree: TreeSeed[];
  newId: () => string;
  now: Date;
}): NewTrustPlan {
  const at = input.now.toISOString();
  const trustId = input.newId();
  const root: OrgNode = { id: trustId, kind: 'trust', name: input.name, parentId: null, version: 1 };
  const byName = new Map<string, OrgNode>();
  const children = input.tree.map((seed) => {
    const parent = seed.parent === undefined ? root : byName.get(seed.parent);
    if (!parent) throw new Error(`Seed node "${seed.name}" names unknown parent "${seed.parent}"`);
    if (parent.kind === 'school') throw new Error(`Seed node "${seed.name}" is under a school`);
    const node: OrgNode = { id: input.newId(), kind: seed.kind, name: seed.name, parentId: parent.id, ...(seed.label ? { label: seed.label } : {}), version: 1 };
    byName.set(seed.name, node);
    return node;
  });
  const admin: Account = {
    id: input.newId(),
    trustId,
    email: input.admin.email.toLowerCase(),
    firstName: input.admin.firstName,
    lastName: input.admin.lastName,
    userType: 'staff',
    status: 'active',
    source: 'manual',
    cognitoUsername: input.admin.cognitoUsername,
    sessionsValidAfter: 0,
    mfaEnabled: false,
    edited: false,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const trust: Trust = { id: trustId, name: input.name, rootNodeId: root.id, treeVersion: 1, settingsVersion: 1, adminUserId: admin.id, createdAt: at, policies: { ...defaultPolicies } };
  return { trust, root, children, admin };
}
