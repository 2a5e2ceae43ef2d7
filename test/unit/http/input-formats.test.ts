import { describe, expect, it } from 'vitest';
import { auditQuerySchema } from '../../../functions/audit/audit.schema';
import { checkSchema } from '../../../functions/authz/authz.schema';
import { fieldErrors } from '../../../functions/http/errors';
import { postEventBodySchema } from '../../../functions/notifications/notification.schema';
import { subjectIdSchema, utcTimeSchema } from '../../../functions/shared/schemas';
import * as z from '../../../functions/shared/zod';
import { bulkActionSchema } from '../../../functions/users/bulk.schema';
import { subjectParamsSchema } from '../../../functions/users/params.schema';
import { assignmentInputSchema } from '../../../functions/users/user.schema';

/** The field paths a 400 would name (as the HTTP layer reports them), or the parsed value. */
function parse<T>(schema: z.ZodMiniType<T>, input: unknown, prefix = ''): { data: T } | { errors: string[] } {
  const result = schema.safeParse(input);
  return result.success ? { data: result.data } : { errors: fieldErrors(result.error, prefix).map((e) => e.path) };
}

describe('input times are stored and answered in UTC (review F-2)', () => {
  it.each([
    ['2026-01-01T09:00:00+01:00', '2026-01-01T08:00:00.000Z'],
    ['2027-07-31T23:59:59-05:00', '2027-08-01T04:59:59.000Z'],
    ['2027-01-01T00:00:00+14:00', '2026-12-31T10:00:00.000Z'],
    ['2026-03-29T01:30:00Z', '2026-03-29T01:30:00.000Z'],
    ['2026-06-01T12:00:00.123456+00:00', '2026-06-01T12:00:00.123Z'],
  ])('turns %s into %s', (input, utc) => {
    expect(utcTimeSchema.parse(input)).toBe(utc);
  });

  it('still refuses what is not an ISO 8601 time with Z or an offset', () => {
    for (const bad of ['garbage', '2026-01-01', '2026-01-01T09:00:00', '2026-02-30T00:00:00Z', '2026-01-01T09:00:00+0100', 1_767_254_400_000]) {
      expect(utcTimeSchema.safeParse(bad).success, String(bad)).toBe(false);
    }
  });

  it('refuses an offset that pushes the UTC year out of 0000-9999, rather than answering an extended-year string', () => {
    expect(utcTimeSchema.safeParse('9999-12-31T23:00:00-05:00').success).toBe(false);
    expect(utcTimeSchema.safeParse('0000-01-01T00:30:00+01:00').success).toBe(false);
    expect(utcTimeSchema.parse('9999-12-31T18:00:00-05:00')).toBe('9999-12-31T23:00:00.000Z');
  });

  it('normalises role validity, bulk addRole, an event’s occurredAt and the audit’s from/to', () => {
    const ids = { roleId: 'role-1', nodeId: 'node-1' };
    expect(parse(assignmentInputSchema, { ...ids, validFrom: '2036-01-01T09:00:00+01:00', validUntil: '2037-07-31T23:59:59-05:00' })).toEqual({
      data: { ...ids, validFrom: '2036-01-01T08:00:00.000Z', validUntil: '2037-08-01T04:59:59.000Z' },
    });
    expect(parse(bulkActionSchema, { op: 'addRole', ...ids, validUntil: '2037-01-01T00:00:00+14:00' })).toEqual({
      data: { op: 'addRole', ...ids, validUntil: '2036-12-31T10:00:00.000Z' },
    });
    const event = { category: 'behaviour', nodeId: 'node-1', title: 'Incident', occurredAt: '2026-12-01T10:00:00+05:00', idempotencyKey: 'k-1' };
    expect(parse(postEventBodySchema, event)).toMatchObject({ data: { occurredAt: '2026-12-01T05:00:00.000Z' } });
    expect(parse(auditQuerySchema, { from: '2026-01-01T01:00:00+02:00', to: '2026-01-01T00:00:00Z' })).toMatchObject({
      data: { from: '2025-12-31T23:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('compares the window in UTC: a validUntil later as text but earlier in time is refused, naming validUntil', () => {
    // 10:00+05:00 is 05:00Z, before 09:00Z.
    expect(parse(assignmentInputSchema, { roleId: 'r', nodeId: 'n', validFrom: '2036-01-01T09:00:00Z', validUntil: '2036-01-01T10:00:00+05:00' })).toEqual({ errors: ['validUntil'] });
    // From as text sorts after to, but is 23:00Z the day before: accepted now that both are UTC.
    expect(parse(auditQuerySchema, { from: '2026-01-01T01:00:00+02:00', to: '2026-01-01T00:00:00Z' })).not.toHaveProperty('errors');
    expect(parse(auditQuerySchema, { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00+02:00' }, 'query')).toEqual({ errors: ['query.from'] });
  });

  it('names the field of a bad time', () => {
    expect(parse(assignmentInputSchema, { roleId: 'r', nodeId: 'n', validFrom: 'tomorrow' })).toEqual({ errors: ['validFrom'] });
    expect(parse(bulkActionSchema, { op: 'addRole', roleId: 'r', nodeId: 'n', validUntil: '2026-13-01T00:00:00Z' })).toEqual({ errors: ['validUntil'] });
    expect(parse(postEventBodySchema, { category: 'behaviour', nodeId: 'n', title: 't', occurredAt: 'now', idempotencyKey: 'k' })).toEqual({ errors: ['occurredAt'] });
    expect(parse(auditQuerySchema, { to: 'yesterday' }, 'query')).toEqual({ errors: ['query.to'] });
  });

  it('stays a plain date-time string in the JSON Schema the OpenAPI document is built from', () => {
    for (const io of ['input', 'output'] as const) {
      expect(z.toJSONSchema(utcTimeSchema, { io, unrepresentable: 'throw' })).toMatchObject({ type: 'string', format: 'date-time' });
    }
  });
});

describe('one subjectId format on every route (review F-5)', () => {
  const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i));

  it('takes every printable ASCII character but / ? # % \\', () => {
    const refused = printable.filter((c) => !subjectIdSchema.safeParse(`a${c}b`).success);
    expect(refused.sort()).toEqual(['#', '%', '/', '?', '\\'].sort());
  });

  it('refuses spaces, control characters, non-ASCII, empty, over 128, and the dot segments', () => {
    for (const bad of ['a b', 'a\tb', 'a\u007fb', 'é', 'pupil\u00a01', '', 'x'.repeat(129), '.', '..']) {
      expect(subjectIdSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['ext:pupil.1@mis', 'pupil.1', '...', '.hidden', 'x'.repeat(128), '{a1b2-c3}', 'Pupil_7', 'a+b=c']) {
      expect(subjectIdSchema.parse(good)).toBe(good);
    }
  });

  it('is the format of decisions, blocks and links (path) and notification events, each naming its field', () => {
    const id = 'ext:pupil.1@mis';
    const event = { category: 'behaviour', nodeId: 'n', title: 't', occurredAt: '2026-01-01T00:00:00Z', idempotencyKey: 'k' };
    expect(parse(checkSchema, { userId: 'u', permission: 'users.view', nodeId: 'n', subjectId: id })).toMatchObject({ data: { subjectId: id } });
    expect(parse(subjectParamsSchema, { id: 'u', subjectId: id })).toEqual({ data: { id: 'u', subjectId: id } });
    expect(parse(postEventBodySchema, { ...event, subjectId: id })).toMatchObject({ data: { subjectId: id } });
    for (const bad of ['a/b', 'a#b', 'x'.repeat(129)]) {
      expect(parse(checkSchema, { userId: 'u', permission: 'users.view', nodeId: 'n', subjectId: bad })).toEqual({ errors: ['subjectId'] });
      expect(parse(subjectParamsSchema, { id: 'u', subjectId: bad }, 'params')).toEqual({ errors: ['params.subjectId'] });
      expect(parse(postEventBodySchema, { ...event, subjectId: bad })).toEqual({ errors: ['subjectId'] });
    }
  });
});
