import { listNodes } from '../../domain/org/tree';
import { loadTree } from '../adapters/dynamo/trust-repository';
import { userHandler } from '../http/user-handler';
import { json } from '../http/responses';

export const handler = userHandler({}, async ({ caller }) => {
  const tree = await loadTree(caller.trust);
  return json(200, { items: listNodes(tree) }, { etag: `"${tree.version}"` });
});
