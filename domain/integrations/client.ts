import { Reach } from '../access/reach';
import { subtreeIds, type OrgTree } from '../org/tree';
import type { IntegrationScope } from './scopes';

/** Another school app's credentials: bound to one node of one trust and a set of scopes. The secret lives only in Cognito. */
export interface IntegrationClient {
  id: string;
  trustId: string;
  /** The Cognito app client id (`client_id` of its tokens). */
  clientId: string;
  name: string;
  nodeId: string;
  scopes: IntegrationScope[];
  status: 'active';
  /** Requests allowed per rate window (INTEGRATION_RATE_WINDOW_SECONDS). */
  requestsPerWindow: number;
  createdBy: string;
  createdAt: string;
}

/**
 * What a client may see: the nodes at or under its node, as a Reach, so every
 * read cut with canSee for a person's reach is cut the same way for a client.
 * The root is in it only for a client bound to the trust root, so people
 * placed nowhere stay hidden from clients bound lower down. A node that no
 * longer exists reaches nothing.
 */
export function clientReach(tree: OrgTree, nodeId: string): Reach {
  if (!tree.nodes.has(nodeId)) return new Reach(tree.rootId);
  return new Reach(tree.rootId, subtreeIds(tree, nodeId));
}

/** The fixed rate window a moment falls in (its start, epoch seconds) and the seconds until the next one. */
export function rateWindow(nowMs: number, windowSeconds: number): { start: number; retryAfter: number } {
  const now = Math.floor(nowMs / 1000);
  const start = now - (now % windowSeconds);
  return { start, retryAfter: Math.max(1, start + windowSeconds - now) };
}
