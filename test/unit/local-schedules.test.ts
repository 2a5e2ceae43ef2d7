import { describe, expect, it } from 'vitest';
import { firesAt } from '../../infra/local/schedules';

const since = new Date('2026-12-01T09:00:00Z');

describe('local schedules', () => {
  it('fires a rate every n minutes after the start', () => {
    expect(firesAt('rate(5 minutes)', new Date('2026-12-01T09:05:00Z'), 'Europe/London', since)).toBe(true);
    expect(firesAt('rate(5 minutes)', new Date('2026-12-01T09:07:00Z'), 'Europe/London', since)).toBe(false);
    expect(firesAt('rate(5 minutes)', since, 'Europe/London', since)).toBe(false);
  });

  it('reads a cron in the schedule time zone, BST and GMT alike', () => {
    expect(firesAt('cron(0 * * * ? *)', new Date('2026-12-01T10:00:00Z'), 'Europe/London', since)).toBe(true);
    expect(firesAt('cron(0 * * * ? *)', new Date('2026-12-01T10:01:00Z'), 'Europe/London', since)).toBe(false);
    expect(firesAt('cron(0 2 * * ? *)', new Date('2026-12-01T02:00:00Z'), 'Europe/London', since)).toBe(true);
    expect(firesAt('cron(0 2 * * ? *)', new Date('2026-07-01T01:00:00Z'), 'Europe/London', since)).toBe(true);
    expect(firesAt('cron(0 2 * * ? *)', new Date('2026-07-01T02:00:00Z'), 'Europe/London', since)).toBe(false);
  });

  it('refuses an expression it does not understand rather than never firing', () => {
    expect(() => firesAt('cron(0 2 L * ? *)x', since, 'UTC', since)).toThrow(/Unsupported/);
  });
});
