import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The local stack's stand-in for an S3 presigned GET: a path under
 * `/_local/exports/` with an expiry and an HMAC-SHA256 signature over both,
 * made by the export function and checked by the local gateway with this same
 * code (expired or altered → 403), as S3 checks its own signatures.
 */
export function signLocalPath(path: string, expiresAt: number, secret: string): string {
  const signature = createHmac('sha256', secret).update(`${path}\n${expiresAt}`).digest('base64url');
  return `${path}?expires=${expiresAt}&signature=${signature}`;
}

export function localPathIsValid(path: string, expires: string | null, signature: string | null, secret: string, now = Date.now()): boolean {
  if (!expires || !signature || !/^\d{1,13}$/.test(expires)) return false;
  if (Number(expires) * 1000 < now) return false;
  const expected = createHmac('sha256', secret).update(`${path}\n${expires}`).digest();
  const given = Buffer.from(signature, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
