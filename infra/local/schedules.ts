import type { JobDef } from '../../functions/routes';

/**
 * The local stand-in for EventBridge Scheduler: `npm start` fires each job
 * on its schedule expression (`rate(…)` or a six-field `cron(…)` read in the
 * schedule's time zone, as the CDK schedules are), through the same runner
 * as `POST /_local/run/{job}`. Tests turn it off (LOCAL_SCHEDULES=off) and
 * run jobs explicitly. Only the expression forms the route table uses are
 * understood: numbers, `*`, `?` and `*\/n` in each cron field.
 */
export interface Schedules {
  stop(): void;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;

function fieldMatches(field: string, value: number): boolean {
  if (field === '*' || field === '?') return true;
  const step = /^\*\/(\d+)$/.exec(field);
  if (step) return value % Number(step[1]) === 0;
  return field.split(',').some((part) => Number(part) === value);
}

function localParts(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')) + 1;
  return { minute: Number(get('minute')), hour: Number(get('hour')), day: Number(get('day')), month: Number(get('month')), weekday, year: Number(get('year')) };
}

/** Whether a schedule fires in the minute that starts at `at` (a rate counts from `since`). */
export function firesAt(expression: string, at: Date, timeZone: string, since: Date): boolean {
  const rate = RATE.exec(expression);
  if (rate) {
    const minutes = Number(rate[1]) * (rate[2]!.startsWith('hour') ? 60 : rate[2]!.startsWith('day') ? 1440 : 1);
    const elapsed = Math.round((at.getTime() - since.getTime()) / 60_000);
    return elapsed > 0 && elapsed % minutes === 0;
  }
  const cron = CRON.exec(expression);
  if (!cron) throw new Error(`Unsupported schedule expression: ${expression}`);
  const [, minute, hour, day, month, weekday, year] = cron as unknown as string[];
  const local = localParts(at, timeZone);
  return (
    fieldMatches(minute!, local.minute) && fieldMatches(hour!, local.hour) && fieldMatches(day!, local.day) &&
    fieldMatches(month!, local.month) && fieldMatches(weekday!, local.weekday) && fieldMatches(year!, local.year)
  );
}

export function startSchedules(jobs: readonly JobDef[], timeZone: string, run: (job: JobDef, time: Date) => Promise<unknown>): Schedules {
  const since = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    for (const job of jobs) {
      if (!firesAt(job.schedule, minute, timeZone, since)) continue;
      run(job, minute).catch((error: unknown) => console.error(`scheduled job ${job.name} failed: ${error instanceof Error ? error.message : String(error)}`));
    }
    timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
  };
  timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
  timer.unref();
  return { stop: () => clearTimeout(timer) };
}
