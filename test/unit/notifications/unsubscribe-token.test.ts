import { describe, expect, it } from 'vitest';
import { signUnsubscribe, verifyUnsubscribe } from '../../../domain/notifications/unsubscribe-token';

const key = 'k'.repeat(32);
const claim = { trustId: 't1', userId: 'u1', category: 'behaviour' };

describe('unsubscribe tokens', () => {
  it('round-trips a claim signed with the key', () => {
    expect(verifyUnsubscribe(signUnsubscribe(claim, key), key)).toEqual(claim);
  });

  it('refuses an edited claim, another key, and junk', () => {
    const token = signUnsubscribe(claim, key);
    const [, mac] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify(['t1', 'someone-else', 'behaviour'])).toString('base64url')}.${mac}`;
    expect(verifyUnsubscribe(forged, key)).toBeUndefined();
    expect(verifyUnsubscribe(token, 'x'.repeat(32))).toBeUndefined();
    for (const junk of ['', '.', 'abc', `${token}.x`, 'e30.abc']) expect(verifyUnsubscribe(junk, key)).toBeUndefined();
  });
});
