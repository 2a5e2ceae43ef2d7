import { describe, expect, it } from 'vitest';
import { canSee } from '../../../domain/access/reach';
import { clientReach, rateWindow } from '../../../domain/integrations/client';
import { PERSON_SCOPE, routeScopes, scopesInClaim, tokenMayCall } from '../../../domain/integrations/scopes';
import { makeTree } from '../../fixtures/access';

describe('integration scopes', () => {
  it('reads only the resource server\'s known scopes from a token', () => {
    expect(scopesInClaim('trust-access/authz.check other/users.read trust-access/users.write trust-access/users.read')).toEqual(['authz.check', 'users.read']);
    expect(scopesInClaim(undefined)).toEqual([]);
    expect(scopesInClaim(PERSON_SCOPE)).toEqual([]);
  });

  it("lets a person's token call every signed-in route and a client's only routes naming its scope", () => {
    expect(tokenMayCall(PERSON_SCOPE, undefined)).toBe(true);
    expect(tokenMayCall(PERSON_SCOPE, 'authz.check')).toBe(true);
    expect(tokenMayCall('trust-access/authz.check', 'authz.check')).toBe(true);
    expect(tokenMayCall('trust-access/authz.check', 'users.read')).toBe(false);
    expect(tokenMayCall('trust-access/authz.check', undefined)).toBe(false);
    expect(tokenMayCall(undefined, undefined)).toBe(false);
    expect(routeScopes('users.read')).toEqual([PERSON_SCOPE, 'trust-access/users.read']);
  });
});

describe("a client's reach", () => {
  const tree = makeTree();
  const [cluster] = [...tree.nodes.values()].filter((n) => n.parentId === tree.rootId && n.kind === 'cluster');

  it('is its node and everything under it, never the root for a client bound lower', () => {
    const reach = clientReach(tree, cluster!.id);
    expect(reach.has(cluster!.id)).toBe(true);
    expect(reach.has(tree.rootId)).toBe(false);
    for (const id of reach) {
      let node = tree.nodes.get(id);
      while (node && node.id !== cluster!.id) node = node.parentId ? tree.nodes.get(node.parentId) : undefined;
      expect(node?.id, id).toBe(cluster!.id);
    }
    // People placed nowhere are hidden from it, as from a person whose reach is not at the root.
    expect(canSee(reach, { memberships: [], assignments: [] })).toBe(false);
    expect(canSee(clientReach(tree, tree.rootId), { memberships: [], assignments: [] })).toBe(true);
  });

  it('reaches nothing when its node no longer exists', () => {
    expect(clientReach(tree, 'gone').size).toBe(0);
  });
});

describe('the fixed rate window', () => {
  it('starts on a multiple of the window and says how long until the next', () => {
    expect(rateWindow(120_000, 60)).toEqual({ start: 120, retryAfter: 60 });
    expect(rateWindow(179_500, 60)).toEqual({ start: 120, retryAfter: 1 });
    expect(rateWindow(150_000, 60)).toEqual({ start: 120, retryAfter: 30 });
  });
});
