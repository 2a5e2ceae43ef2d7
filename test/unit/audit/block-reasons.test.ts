import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../domain/audit/audit-record';
import { carriesBlockReason, withoutBlockReason } from '../../../domain/audit/block-reasons';

const base = { id: 'r1', at: '2025-01-01T00:00:00.000Z', actorId: 'a', targetType: 'user', targetId: 'u', nodeId: 's' };

describe('block reasons in audit records', () => {
  it('takes the reason out of before and after and keeps the rest', () => {
    const record = auditRecord({ ...base, action: 'block.set', before: { subjectId: 'p', schoolId: 's', reason: 'old' }, after: { subjectId: 'p', schoolId: 's', reason: 'new' } });
    expect(withoutBlockReason(record)).toEqual({ ...record, before: { subjectId: 'p', schoolId: 's' }, after: { subjectId: 'p', schoolId: 's' } });
    expect(record.after).toEqual({ subjectId: 'p', schoolId: 's', reason: 'new' });
  });

  it('treats every block.* action as carrying a reason, and nothing else', () => {
    expect(carriesBlockReason(auditRecord({ ...base, action: 'block.removed' }))).toBe(true);
    expect(carriesBlockReason(auditRecord({ ...base, action: 'user.updated' }))).toBe(false);
    expect(withoutBlockReason(auditRecord({ ...base, action: 'block.removed', before: null }))).toMatchObject({ before: null, after: null });
  });
});
