import { categoryByCode } from '../../domain/notifications/categories';
import type { EmailLinks } from '../../domain/notifications/digest';
import { signUnsubscribe } from '../../domain/notifications/unsubscribe-token';
import { apiUrl, config, secret } from '../config';

/** The HMAC key of the emailed links (review H, H-13: from Secrets Manager in AWS, read once per container; throws when unreadable). */
export function linkKey(): Promise<string> {
  return secret('LINK_SIGNING_KEY');
}

/**
 * The links of a notification email. Unsubscribing is one signed link per
 * person and category (`digest`: every category the person gets by digest
 * that a link may turn off), which also serves the RFC 8058 one-click POST;
 * the page it opens is where choices change without signing in. An email of
 * a category a link may not turn off (safeguarding, account security) has no
 * such link and no List-Unsubscribe header: "change what you hear about"
 * goes to the sign-in.
 */
export async function emailLinks(trustId: string, userId: string, category: string): Promise<{ links: EmailLinks; headers: Record<string, string> }> {
  // "Sign in" goes to the trust's web app; the unsubscribe page and its one-click POST are API routes (review H, H-3).
  const signIn = `${config().APP_URL.replace(/\/+$/, '')}/`;
  if (category !== 'digest' && !categoryByCode.get(category)?.offByLink) return { links: { signIn, preferences: signIn }, headers: {} };
  const unsubscribe = apiUrl(`/notifications/unsubscribe?token=${signUnsubscribe({ trustId, userId, category }, await linkKey())}`);
  return {
    links: { signIn, preferences: unsubscribe, unsubscribe },
    headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
