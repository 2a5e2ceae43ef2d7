import { listNodes } from '../../domain/org/tree';
import { loadTree } from '../adapters/dynamo/trust-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';

export const handler = httpHandler({ auth: 'user' }, async ({ caller }) => {
  const tree = await loadTree(caller.trust);
  return json(200, { items: listNodes(tree) }, { etag: `"${tree.version}"` });
});
