import { categoryByCode } from '../../domain/notifications/categories';
import { mayHear } from '../../domain/notifications/recipients';
import { listFeed } from '../adapters/dynamo/notification-repository';
import type { Caller } from '../http/caller';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { feedQuerySchema } from './notification.schema';

/**
 * The caller's notifications, newest first. Each entry is shown only while
 * the caller may still hear of it, decided now for this session (mayHear:
 * active, the category's permission at the node, not blocked from the
 * subject, this session's 2FA for a requiresMfa category, the trust's admin
 * policy). An entry that no longer passes is left out of the page, never
 * shown redacted: even "a concern about a pupil was recorded" is more than a
 * person blocked from that pupil may learn. The caller's access was compiled
 * once for the request, so the cost is one decision per entry of the page
 * (which may then hold fewer than `limit` entries; `nextCursor` goes on).
 */
export const handler = userHandler({ query: feedQuerySchema }, async ({ caller, query }) => {
  const page = await listFeed(caller.trust.id, caller.account.id, query.limit, query.cursor);
  return json(200, { ...page, items: page.items.filter((entry) => stillShown(caller, entry)) });
});

function stillShown(caller: Caller, entry: { category: string; nodeId: string; subjectId?: string }): boolean {
  const category = categoryByCode.get(entry.category);
  if (!category) return false;
  const event = { category, nodeId: entry.nodeId, ...(entry.subjectId === undefined ? {} : { subjectId: entry.subjectId }) };
  const { tree, roles } = caller.context;
  return mayHear({ event, tree, roles, policies: caller.trust.policies, person: caller.compiled, session: { mfa: caller.mfa }, now: new Date() });
}
