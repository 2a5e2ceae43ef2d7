import { describe, expect, it } from 'vitest';
import { hashToken } from '../../domain/identity/token-hash';
import { assertUsable, newLinkToken, sentToHash, type StoredToken } from '../../domain/identity/tokens';

const now = new Date('2026-11-23T12:00:00Z');
const stored = (overrides: Partial<StoredToken> = {}): StoredToken => ({
  hash: 'h1', purpose: 'invitation', trustId: 't', userId: 'u', validUntil: '2026-11-30T12:00:00Z', ...overrides,
});

describe('link tokens', () => {
  it('are 256-bit random, and only their hash is kept', () => {
    const a = newLinkToken();
    const b = newLinkToken();
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).not.toContain(a.token);
  });

  it('accept a live, unused, current link', () => {
    expect(assertUsable(stored(), 'invitation', 'h1', now, undefined).userId).toBe('u');
  });

  it('call an unknown link or one for another purpose invalid_token', () => {
    expect(() => assertUsable(undefined, 'invitation', undefined, now, undefined)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
    expect(() => assertUsable(stored(), 'password_reset', 'h1', now, undefined)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
  });

  it('call a used link, or one replaced by a newer link, token_used', () => {
    expect(() => assertUsable(stored({ usedAt: '2026-11-23T11:00:00Z' }), 'invitation', undefined, now, undefined)).toThrow(expect.objectContaining({ code: 'token_used' }));
    expect(() => assertUsable(stored(), 'invitation', 'h2', now, undefined)).toThrow(expect.objectContaining({ code: 'token_used' }));
  });

  it('work only while the account has the address they were sent to', () => {
    const sent = stored({ sentTo: sentToHash('old@test.example') });
    expect(assertUsable(sent, 'invitation', 'h1', now, 'old@test.example').userId).toBe('u');
    expect(assertUsable(sent, 'invitation', 'h1', now, 'Old@Test.example ').userId).toBe('u');
    expect(() => assertUsable(sent, 'invitation', 'h1', now, 'new@test.example')).toThrow(expect.objectContaining({ code: 'token_used' }));
    expect(() => assertUsable(sent, 'invitation', 'h1', now, undefined)).toThrow(expect.objectContaining({ code: 'token_used' }));
    // A link stored before the binding has no address: it relies on the email change voiding the live hash.
    expect(assertUsable(stored(), 'invitation', 'h1', now, 'new@test.example').userId).toBe('u');
  });

  it('name expiry by purpose', () => {
    const old = stored({ validUntil: '2026-11-23T11:59:59Z' });
    expect(() => assertUsable(old, 'invitation', 'h1', now, undefined)).toThrow(expect.objectContaining({ code: 'invitation_expired' }));
    expect(() => assertUsable({ ...old, purpose: 'password_reset' }, 'password_reset', 'h1', now, undefined)).toThrow(expect.objectContaining({ code: 'token_expired' }));
  });
});
