import type { ReportName } from './catalogue';

/**
 * A scheduled report (POST /report-schedules): which report with which
 * stored params, how often, at which hour of the trust's time zone, to whom.
 * `dayOfWeek` 0-6 (Sunday 0, as cron and JavaScript count) for weekly,
 * `dayOfMonth` 1-28 (a day every month has) for monthly.
 */
export const CADENCES = ['daily', 'weekly', 'monthly'] as const;

/**
 * Schedules one trust may hold (POST answers 409 `schedule_limit` beyond):
 * each is up to ~2.5 KB (50 recipients, params), so the hourly job and a
 * GET /report-schedules page read at most ~1.25 MB of them per trust.
 */
export const MAX_SCHEDULES_PER_TRUST = 500;
export type Cadence = (typeof CADENCES)[number];

export interface ReportSchedule {
  id: string;
  trustId: string;
  ownerId: string;
  report: ReportName;
  /** The params as given (query-string names), validated by parseReportParams; nodeId always set. */
  params: Record<string, string | number>;
  nodeId: string;
  cadence: Cadence;
  dayOfWeek?: number;
  dayOfMonth?: number;
  hour: number;
  recipientIds: string[];
  /** Recipients the owner has been told about (lost reports.view or deactivated): told once each. */
  skippedNotified?: string[];
  /**
   * Recipients skipped whom the owner has not been told about yet: written by the reports job before its email to
   * the owner, cleared once it is sent, so an email that fails is sent by a later run (review D, D10).
   */
  skippedPending?: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface LocalTime {
  date: string;
  hour: number;
  weekday: number;
  day: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall-clock date, hour, weekday and day of month of `at` in `timeZone` (Intl, so summer time is the zone's own). */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday: WEEKDAYS[parts.weekday!] ?? -1, day: Number(parts.day) };
}

/**
 * The period a run at `at` sends for, or null when the schedule is not due:
 * on its day (every day, its weekday, its day of the month) from its hour to
 * the end of that local day, so a run that was late or missed its hour still
 * sends later that day. The period is the local date: one send per schedule
 * per period, whatever the number of runs (the job's conditional claim).
 */
export function duePeriod(schedule: Pick<ReportSchedule, 'cadence' | 'dayOfWeek' | 'dayOfMonth' | 'hour'>, at: Date, timeZone: string): string | null {
  const local = localTime(at, timeZone);
  if (local.hour < schedule.hour) return null;
  if (schedule.cadence === 'weekly' && local.weekday !== schedule.dayOfWeek) return null;
  if (schedule.cadence === 'monthly' && local.day !== schedule.dayOfMonth) return null;
  return local.date;
}
