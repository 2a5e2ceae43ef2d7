import { describe, expect, it } from 'vitest';
import { duePeriod, localTime } from '../../../domain/reports/schedule';

describe('duePeriod', () => {
  it('is due from its hour in the trust time zone to the end of that local day, the period being the local date', () => {
    const daily = { cadence: 'daily' as const, hour: 7 };
    // London in summer is UTC+1: 06:30Z is 07:30 there.
    expect(duePeriod(daily, new Date('2030-07-01T06:30:00Z'), 'Europe/London')).toBe('2030-07-01');
    expect(duePeriod(daily, new Date('2030-07-01T05:30:00Z'), 'Europe/London')).toBeNull();
    expect(duePeriod(daily, new Date('2030-07-01T22:30:00Z'), 'Europe/London')).toBe('2030-07-01');
    expect(duePeriod(daily, new Date('2030-07-01T23:30:00Z'), 'Europe/London')).toBeNull();
    expect(duePeriod(daily, new Date('2030-01-01T06:30:00Z'), 'Europe/London')).toBeNull();
  });

  it('sends weekly on its weekday (0 Sunday) and monthly on its day of the month only', () => {
    // 2030-07-01 is a Monday.
    expect(localTime(new Date('2030-07-01T12:00:00Z'), 'UTC').weekday).toBe(1);
    expect(duePeriod({ cadence: 'weekly', dayOfWeek: 1, hour: 8 }, new Date('2030-07-01T09:00:00Z'), 'UTC')).toBe('2030-07-01');
    expect(duePeriod({ cadence: 'weekly', dayOfWeek: 2, hour: 8 }, new Date('2030-07-01T09:00:00Z'), 'UTC')).toBeNull();
    expect(duePeriod({ cadence: 'monthly', dayOfMonth: 1, hour: 0 }, new Date('2030-07-01T00:00:00Z'), 'UTC')).toBe('2030-07-01');
    expect(duePeriod({ cadence: 'monthly', dayOfMonth: 2, hour: 0 }, new Date('2030-07-01T09:00:00Z'), 'UTC')).toBeNull();
  });
});
