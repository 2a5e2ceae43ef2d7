import { ForbiddenError, VersionConflictError } from '../../domain/errors';
import { notificationCategories } from '../../domain/notifications/categories';
import { planPreferences, preferencesView } from '../../domain/notifications/preferences';
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
  // Safeguarding categories (child protection, allegations) change only in a session that passed 2FA: a password-only
  // session (one made before 2FA was turned on) may not read them, so it may not stop them either (review E, E5).
  const changed = notificationCategories.filter((c) => c.sensitive && current?.categories[c.code] !== next.categories[c.code]);
  if (changed.length > 0 && !caller.mfa) {
    throw new ForbiddenError(`Changing ${changed.map((c) => c.code).join(', ')} needs a session that passed two-factor sign-in`, 'mfa_required');
  }
  // Moving the digest hour delays whatever comes by digest: when a safeguarding category does, that too needs 2FA (review G, G9).
  const hourMoved = (current?.digestHour ?? null) !== (next.digestHour ?? null);
  const byDigest = preferencesView({ stored: { ...next, version: expected }, holds, trust: caller.trust.policies }).categories;
  if (hourMoved && !caller.mfa && notificationCategories.some((c) => c.sensitive && byDigest[c.code] === 'digest')) {
    throw new ForbiddenError('Moving the digest hour of safeguarding notifications needs a session that passed two-factor sign-in', 'mfa_required');
  }
  const stored = await putPreferences(caller.trust.id, caller.account.id, next, expected, nowIso());
  return entity(200, preferencesView({ stored, holds, trust: caller.trust.policies }));
});
