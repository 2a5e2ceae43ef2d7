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

/**
 * The claim of a genuine link for an account that still exists (undefined
 * for anything else), and whether the link may turn its category off: not
 * for a category only the person, signed in, may turn off (offByLink false:
 * a link given out before that rule, or forwarded).
 */
export async function checkUnsubscribe(token: string): Promise<{ claim: UnsubscribeClaim; offByLink: boolean } | undefined> {
  const claim = verifyUnsubscribe(token, await linkKey());
  if (!claim) return undefined;
  const category = categoryByCode.get(claim.category);
  if (claim.category !== 'digest' && !category) return undefined;
  const account = await getAccount({ trustId: claim.trustId, userId: claim.userId });
  if (!account) return undefined;
  return { claim, offByLink: category?.offByLink ?? true };
}

/** What the page and the POST say about a link that may not turn its category off. */
export const signInToTurnOff = (category: string) =>
  `Emails about ${categoryByCode.get(category)?.description.toLowerCase() ?? 'this'} cannot be turned off from a link in an email. Sign in and change them in your notification settings.`;

/**
 * Turns the link's category off for its person (`digest`: every category
 * they get by digest that a link may turn off), keeping their other choices; retried when their
 * preferences changed meanwhile. Repeating it changes nothing more.
 */
export async function unsubscribe(claim: UnsubscribeClaim): Promise<void> {
  const trust = await getTrust(claim.trustId);
  await retryOnConflict(
    async () => {
      const current = await getPreferences(claim.trustId, claim.userId);
      const categories: StoredPreferences['categories'] = { ...current?.categories };
      const codes = claim.category === 'digest'
        ? notificationCategories.filter((c) => c.offByLink && deliveryFor(c, current?.categories, trust?.policies.notificationDefaults) === 'digest').map((c) => c.code)
        : [claim.category].filter((code) => categoryByCode.get(code)?.offByLink);
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
