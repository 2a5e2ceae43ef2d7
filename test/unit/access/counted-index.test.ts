import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterUnchanged, indexMatches, keyHash, tallyOf, tallyOfCounter } from '../../../functions/adapters/dynamo/counted-index';
import { keys } from '../../../functions/adapters/dynamo/keys';

const trustId = 't1';
const held = (userId: string, assignmentId: string): Record<string, unknown> => ({ ...keys.assignment(trustId, userId, assignmentId) });

describe('holder checksums (readCounted\'s test of an index page)', () => {
  it('refuses an index that still lists a removed holder and not yet a new one, though the count matches (review C, 4)', () => {
    const [h1, h2, other] = [held('u1', 'a1'), held('u2', 'a2'), held('u3', 'a3')];
    // The counter after H1 lost the role and H2 was given it: {other, H2}.
    const counter = tallyOf([other, h2]);
    // The lagging index: {other, H1}.
    expect(counter.count).toBe(2);
    expect(indexMatches(counter, [other, h1])).toBe(false);
    expect(indexMatches(counter, [h2, other])).toBe(true);
  });

  it('refuses any one-out-one-in swap of a counted set, and accepts the set in any order', () => {
    const id = fc.uuid();
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 1, maxLength: 40 }), id, fc.nat(), (ids, added, pick) => {
        fc.pre(!ids.includes(added));
        const items = ids.map((u) => held(u, `a-${u}`));
        const removed = pick % items.length;
        const now = [...items.filter((_, i) => i !== removed), held(added, `a-${added}`)];
        expect(indexMatches(tallyOf(now), items)).toBe(false);
        expect(indexMatches(tallyOf(now), [...now].reverse())).toBe(true);
      }),
    );
  });

  it('hashes a key to 32 bits, so a sum of 2^21 of them stays an exact JavaScript number', () => {
    const hash = keyHash(keys.assignment(trustId, 'u1', 'a1'));
    expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true);
    expect(keyHash({ pk: 'a', sk: 'bc' })).not.toBe(keyHash({ pk: 'ab', sk: 'c' }));
    expect((2 ** 32 - 1) * 2 ** 21).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  });

  it('knows a counter\'s sum only once it is marked complete; an unmarked counter with holders is unknown', () => {
    expect(tallyOfCounter({ refCount: 3, refSum: 12, checksummed: true }, 'refCount')).toEqual({ count: 3, sum: 12 });
    // From before the sums: its sum holds only the changes since the deploy.
    expect(tallyOfCounter({ refCount: 3, refSum: 12 }, 'refCount')).toBeUndefined();
    expect(tallyOfCounter({ holders: 1 }, 'holders')).toBeUndefined();
    // Nobody counted, nothing added: an empty index is the whole truth.
    expect(tallyOfCounter({}, 'holders')).toEqual({ count: 0, sum: 0 });
    expect(tallyOfCounter(undefined, 'refCount')).toEqual({ count: 0, sum: 0 });
    expect(tallyOfCounter({ refCount: 0, refSum: -5 }, 'refCount')).toBeUndefined();
  });

  it('conditions the write on the count and the sum both', () => {
    expect(counterUnchanged('refCount', { count: 2, sum: 99 }, ':seen')).toEqual({
      expression: 'refCount = :seenCount AND refSum = :seenSum',
      values: { ':seenCount': 2, ':seenSum': 99 },
    });
    expect(counterUnchanged('holders', { count: 0, sum: 0 }, ':h').expression).toBe(
      '(attribute_not_exists(holders) OR holders = :hCount) AND (attribute_not_exists(holdersSum) OR holdersSum = :hSum)',
    );
  });
});
