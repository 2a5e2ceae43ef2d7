import { displayName } from '../../domain/identity/account';
import { getNode } from '../../domain/org/tree';
import { listNodeManagers, loadAccounts } from '../adapters/dynamo/person-repository';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { authorize } from '../shared/authorize';
import { idParamsSchema } from '../shared/schemas';

/** The node's managers, in the order they were placed there, and the line funding documents print: "Jane Smith - Nursery Manager, John Doe - Deputy Manager". */
export const handler = httpHandler({ auth: 'user', params: idParamsSchema }, async ({ caller, params }) => {
  const node = getNode(caller.context.tree, params.id);
  authorize(caller, 'users.view', node.id);
  const members = await listNodeManagers(caller.trust.id, node.id);
  const accounts = new Map((await loadAccounts(caller.trust.id, members.map((m) => m.userId))).map((a) => [a.id, a]));
  const managers = members
    .map((m) => ({ member: m, account: accounts.get(m.userId) }))
    .filter((m): m is { member: typeof m.member; account: NonNullable<typeof m.account> } => m.account !== undefined && m.account.status !== 'inactive')
    // In the order they were placed here (the manager before the deputy they later appointed), then by name.
    .sort((a, b) => a.member.since.localeCompare(b.member.since) || a.account.lastName.localeCompare(b.account.lastName) || a.account.firstName.localeCompare(b.account.firstName))
    .map(({ member, account }) => ({ userId: account.id, displayName: displayName(account), ...(member.jobTitle ? { jobTitle: member.jobTitle } : {}) }));
  const line = managers.map((m) => (m.jobTitle ? `${m.displayName} - ${m.jobTitle}` : m.displayName)).join(', ');
  return json(200, { nodeId: node.id, line, managers });
});
