import { preferencesView } from '../../domain/notifications/preferences';
import { getPreferences } from '../adapters/dynamo/notification-repository';
import { entity } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { holdsCategory } from './holds';

/** What the caller hears about and how: only categories they can receive somewhere are offered. */
export const handler = userHandler({}, async ({ caller }) => {
  const stored = await getPreferences(caller.trust.id, caller.account.id);
  return entity(200, preferencesView({ stored, holds: holdsCategory(caller), trust: caller.trust.policies }));
});
