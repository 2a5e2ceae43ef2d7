import { VersionConflictError } from '../../domain/errors';
import { planPreferences, preferencesView } from '../../domain/notifications/preferences';
import { getPreferences, putPreferences } from '../adapters/dynamo/notification-repository';
import { entity, requireIfMatch } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { nowIso } from '../shared/ids';
import { holdsCategory } from './holds';
import { putPreferencesBodySchema } from './notification.schema';

/**
 * Replaces the caller's choices (If-Match: the preferences version, 0 before
 * the first save). Only categories the caller can receive may be set.
 */
export const handler = userHandler({ body: putPreferencesBodySchema }, async ({ caller, headers, body }) => {
  const expected = requireIfMatch(headers);
  const current = await getPreferences(caller.trust.id, caller.account.id);
  if ((current?.version ?? 0) !== expected) throw new VersionConflictError();
  const holds = holdsCategory(caller);
  const next = planPreferences({ current, change: body, holds });
  const stored = await putPreferences(caller.trust.id, caller.account.id, next, expected, nowIso());
  return entity(200, preferencesView({ stored, holds, trust: caller.trust.policies }));
});
