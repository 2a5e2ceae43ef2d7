import type { DirectoryFilters } from '../../domain/directory/directory-index';
import { subtreeIds } from '../../domain/org/tree';
import type { Caller } from '../http/caller';
import type { listUsersQuerySchema } from './directory.schema';

type Query = ReturnType<typeof listUsersQuerySchema.parse>;

/** The filters of a list or export query, the node resolved to its subtree in the caller's tree (an unknown node matches nobody). */
export function directoryFilters(caller: Pick<Caller, 'context'>, query: Omit<Query, 'limit' | 'cursor' | 'sort' | 'order'>): DirectoryFilters {
  const { tree } = caller.context;
  const { nodeId, ...rest } = query;
  return { ...rest, ...(nodeId === undefined ? {} : { subtree: tree.nodes.has(nodeId) ? subtreeIds(tree, nodeId) : new Set<string>() }) };
}
