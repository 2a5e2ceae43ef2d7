import { describe, expect, it } from 'vitest';
import { initialMemberships, membershipDiff, removeMembership, upsertMembership } from '../../../domain/access/memberships';
import type { Membership } from '../../../domain/access/resolve';

const m = (nodeId: string, primary = false, extra: Partial<Membership> = {}): Membership => ({ nodeId, primary, isManager: false, ...extra });
const primaries = (list: Membership[]) => list.filter((x) => x.primary).map((x) => x.nodeId);

describe('memberships', () => {
  it('makes the first membership primary', () => {
    expect(primaries(upsertMembership([], 'a', {}))).toEqual(['a']);
    expect(primaries(initialMemberships([m('a'), m('b')]))).toEqual(['a']);
    expect(primaries(initialMemberships([m('a'), m('b', true)]))).toEqual(['b']);
  });

  it('clears the old primary when another becomes primary', () => {
    expect(primaries(upsertMembership([m('a', true), m('b')], 'b', { primary: true }))).toEqual(['b']);
    expect(primaries(upsertMembership([m('a', true)], 'c', { primary: true }))).toEqual(['c']);
  });

  it('refuses to switch the primary off', () => {
    expect(() => upsertMembership([m('a', true), m('b')], 'a', { primary: false })).toThrow(expect.objectContaining({ code: 'primary_required' }));
  });

  it('keeps fields that a change leaves out and clears a job title with null', () => {
    const before = [m('a', true, { jobTitle: 'Head', isManager: true })];
    expect(upsertMembership(before, 'a', { isManager: false })[0]).toEqual({ nodeId: 'a', primary: true, isManager: false, jobTitle: 'Head' });
    expect(upsertMembership(before, 'a', { jobTitle: null })[0]!.jobTitle).toBeUndefined();
  });

  it('promotes the oldest remaining membership when the primary is removed', () => {
    const since = new Map([['a', '2026-01-01'], ['b', '2026-03-01'], ['c', '2026-02-01']]);
    expect(primaries(removeMembership([m('a', true), m('b'), m('c')], 'a', since))).toEqual(['c']);
    expect(removeMembership([m('a', true)], 'a', since)).toEqual([]);
    expect(() => removeMembership([m('a', true)], 'zzz', since)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('diffs two lists into added, changed and removed', () => {
    const diff = membershipDiff([m('a', true), m('b')], [m('a'), m('c', true)]);
    expect(diff.added.map((x) => x.nodeId)).toEqual(['c']);
    expect(diff.changed.map((x) => x.nodeId)).toEqual(['a']);
    expect(diff.removed.map((x) => x.nodeId)).toEqual(['b']);
  });
});
