import { ForbiddenError, VersionConflictError } from '../../domain/errors';
import { notificationCategories } from '../../domain/notifications/categories';
import { planPreferences, preferencesView, type StoredPreferences } from '../../domain/notifications/preferences';
import { getPreferences, putPreferences } from '../adapters/dynamo/notification-repository';
import { entity, requireIfMatch } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { nowIso } from '../shared/ids';
import { holdsCategory } from './holds';
import { putPreferencesBodySchema } from './notification.schema';

/**
 * Replaces the caller's choices (If-Match: the preferences version, 0 before
 * the first save). Only categories the caller can receive may be set, and
 * the safeguarding ones only in a session that passed 2FA.
 */
export const handler = userHandler({ body: putPreferencesBodySchema }, async ({ caller, headers, body }) => {
  const expected = requireIfMatch(headers);
  const current = await getPreferences(caller.trust.id, caller.account.id);
  if ((current?.version ?? 0) !== expected) throw new VersionConflictError();
  const holds = holdsCategory(caller);
  const next = planPreferences({ current, change: body, holds });
  if (!caller.mfa) refuseSafeguardingChanges(current, next, (stored) => preferencesView({ stored, holds, trust: caller.trust.policies }).categories);
  const stored = await putPreferences(caller.trust.id, caller.account.id, next, expected, nowIso());
  return entity(200, preferencesView({ stored, holds, trust: caller.trust.policies }));
});

/**
 * What a session that did not pass 2FA may not do (it may not read the
 * safeguarding categories, so it may not quieten them either): change a
 * safeguarding category's choice (review E, E5), or move the digest hour
 * while one comes by digest, which would delay it (review G, G9).
 */
function refuseSafeguardingChanges(
  current: StoredPreferences | undefined, next: Omit<StoredPreferences, 'version'>, deliveries: (stored: StoredPreferences) => Record<string, string>,
): void {
  const sensitive = notificationCategories.filter((c) => c.sensitive);
  const changed = sensitive.filter((c) => current?.categories[c.code] !== next.categories[c.code]);
  if (changed.length > 0) {
    throw new ForbiddenError(`Changing ${changed.map((c) => c.code).join(', ')} needs a session that passed two-factor sign-in`, 'mfa_required');
  }
  if ((current?.digestHour ?? null) === (next.digestHour ?? null)) return;
  const byDigest = deliveries({ ...next, version: current?.version ?? 0 });
  if (sensitive.some((c) => byDigest[c.code] === 'digest')) {
    throw new ForbiddenError('Moving the digest hour of safeguarding notifications needs a session that passed two-factor sign-in', 'mfa_required');
  }
}
