import { describe, expect, it } from 'vitest';
import { grantIndex, readStamp, stampGrants, type GrantAudit } from '../../../domain/audit/grant';

const assigned = (targetId: string, id: string, actorId: string, at: string): GrantAudit => ({ action: 'role.assigned', actorId, targetId, at, after: { id, roleId: 'r', nodeId: 'n' } });

describe('grant stamps', () => {
  it('stamps each put from its own role.assigned record: that actor and time', () => {
    const stamps = stampGrants('u1', [{ id: 'a1' }, { id: 'a2' }], [assigned('u1', 'a1', 'nora', '2026-09-01T09:00:00.000Z'), assigned('u1', 'a2', 'sam', '2026-09-01T09:00:00.000Z')]);
    expect(stamps.get('a1')).toEqual({ grantRecord: 'recorded', grantedBy: 'nora', grantedAt: '2026-09-01T09:00:00.000Z' });
    expect(stamps.get('a2')).toEqual({ grantRecord: 'recorded', grantedBy: 'sam', grantedAt: '2026-09-01T09:00:00.000Z' });
  });

  it('never takes a record about another person, another assignment or another action, and says missing rather than guess', () => {
    const stamps = stampGrants('u1', [{ id: 'a1' }], [
      assigned('u2', 'a1', 'other-person', '2026-01-01T00:00:00.000Z'),
      assigned('u1', 'a9', 'other-assignment', '2026-01-01T00:00:00.000Z'),
      { action: 'role.removed', actorId: 'remover', targetId: 'u1', at: '2026-01-01T00:00:00.000Z', after: { id: 'a1' } },
      { action: 'user.created', actorId: 'creator', targetId: 'u1', at: '2026-01-01T00:00:00.000Z', after: null },
    ]);
    expect(stamps.get('a1')).toEqual({ grantRecord: 'missing' });
  });

  it('keeps the stamp an assignment written again already had when the write records no grant', () => {
    const before = new Map([['a1', { grantRecord: 'backfilled' as const, grantedBy: 'old', grantedAt: '2020-01-01T00:00:00.000Z' }]]);
    expect(stampGrants('u1', [{ id: 'a1' }], [], before).get('a1')).toEqual(before.get('a1'));
  });

  it('matches the earliest record of an assignment', () => {
    const index = grantIndex([assigned('u1', 'a1', 'later', '2026-02-01T00:00:00.000Z'), assigned('u1', 'a1', 'first', '2026-01-01T00:00:00.000Z')]);
    expect(index.get('u1#a1')?.actorId).toBe('first');
  });

  it('reads a stored stamp, and nothing from an item stored before stamps or with an unknown kind', () => {
    expect(readStamp({ grantRecord: 'recorded', grantedBy: 'x', grantedAt: 't' })).toEqual({ grantRecord: 'recorded', grantedBy: 'x', grantedAt: 't' });
    expect(readStamp({ grantRecord: 'missing' })).toEqual({ grantRecord: 'missing' });
    expect(readStamp({ id: 'a1' })).toBeUndefined();
    expect(readStamp({ grantRecord: 'guessed', grantedBy: 'x' })).toBeUndefined();
  });
});
