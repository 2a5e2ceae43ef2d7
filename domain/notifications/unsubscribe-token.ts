import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who an unsubscribe link is for, and from what. */
export interface UnsubscribeClaim {
  trustId: string;
  userId: string;
  category: string;
}

const sign = (payload: string, key: string) => createHmac('sha256', key).update(`unsubscribe.v1.${payload}`).digest('base64url');

/**
 * The token of a one-click unsubscribe link (RFC 8058): the claim and an
 * HMAC-SHA256 of it with the service's link key, so nobody can unsubscribe
 * someone else by editing the link. It never expires: a link in an old email
 * must still work.
 */
export function signUnsubscribe(claim: UnsubscribeClaim, key: string): string {
  const payload = Buffer.from(JSON.stringify([claim.trustId, claim.userId, claim.category])).toString('base64url');
  return `${payload}.${sign(payload, key)}`;
}

/** The claim of a genuine token; undefined for anything else. */
export function verifyUnsubscribe(token: string, key: string): UnsubscribeClaim | undefined {
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(payload, key));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((part) => typeof part === 'string' && part.length > 0 && part.length <= 128)) return undefined;
    const [trustId, userId, category] = parsed as [string, string, string];
    return { trustId, userId, category };
  } catch {
    return undefined;
  }
}
