/** A tenant: its name, its root node and the version its tree is at. */
export interface Trust {
  id: string;
  name: string;
  rootNodeId: string;
  /** Bumped by every tree change; the warm-container tree cache is keyed by it. */
  treeVersion: number;
  /** The account made at bootstrap; it holds the tree until roles exist. */
  adminUserId: string;
  createdAt: string;
}
