import { categoryByCode, notificationCategories, deliveryFor } from '../../domain/notifications/categories';
import { verifyUnsubscribe, type UnsubscribeClaim } from '../../domain/notifications/unsubscribe-token';
import type { StoredPreferences } from '../../domain/notifications/preferences';
import { VersionConflictError } from '../../domain/errors';
import { getAccount } from '../adapters/dynamo/account-repository';
import { getPreferences, putPreferences } from '../adapters/dynamo/notification-repository';
import { getTrust } from '../adapters/dynamo/trust-repository';
import { nowIso } from '../shared/ids';
import { retryOnConflict } from '../shared/retry';
import { linkKey } from './links';

/** What a link unsubscribes from, in words. */
export function subjectOf(category: string): string {
  if (category === 'digest') return 'your daily summary emails';
  const known = categoryByCode.get(category);
  return known ? `emails about ${known.description.toLowerCase()}` : 'these emails';
}

/** The claim of a genuine link for an account that still exists; undefined otherwise. */
export async function checkUnsubscribe(token: string): Promise<UnsubscribeClaim | undefined> {
  const claim = verifyUnsubscribe(token, linkKey());
  if (!claim) return undefined;
  if (claim.category !== 'digest' && !categoryByCode.has(claim.category)) return undefined;
  const account = await getAccount({ trustId: claim.trustId, userId: claim.userId });
  return account ? claim : undefined;
}

/**
 * Turns the link's category off for its person (`digest`: every category
 * they get by digest), keeping their other choices; retried when their
 * preferences changed meanwhile. Repeating it changes nothing more.
 */
export async function unsubscribe(claim: UnsubscribeClaim): Promise<void> {
  const trust = await getTrust(claim.trustId);
  await retryOnConflict(
    async () => {
      const current = await getPreferences(claim.trustId, claim.userId);
      const categories: StoredPreferences['categories'] = { ...current?.categories };
      const codes = claim.category === 'digest'
        ? notificationCategories.filter((c) => deliveryFor(c, current?.categories, trust?.policies.notificationDefaults) === 'digest').map((c) => c.code)
        : [claim.category];
      if (codes.every((code) => categories[code] === 'off')) return;
      for (const code of codes) categories[code] = 'off';
      await putPreferences(claim.trustId, claim.userId, { categories, ...(current?.digestHour === undefined ? {} : { digestHour: current.digestHour }) }, current?.version ?? 0, nowIso());
    },
    async (error) => {
      if (!(error instanceof VersionConflictError)) throw error;
    },
    'Your preferences are being changed elsewhere; try again',
  );
}
