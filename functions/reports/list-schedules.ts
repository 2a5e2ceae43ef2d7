import { decodeCursor, encodeCursor } from '../adapters/dynamo/cursor';
import { listSchedules } from '../adapters/dynamo/report-schedule-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { scheduleListQuerySchema } from './schedule.schema';
import { mayManage, scheduleView } from './schedules';

/**
 * GET /report-schedules: your own (while you hold reports.schedule at their
 * node) and anyone's at a node in your reach of reports.manage_schedules,
 * oldest first, `?limit=` (default 50, at most 200) a page, `nextCursor` to
 * the next. A trust holds at most MAX_SCHEDULES_PER_TRUST schedules, so the
 * partition is read whole (the cut to the caller's reach is no key order)
 * and the page cut from it: at most ~1.25 MB read, one page answered.
 */
export const handler = userHandler({ query: scheduleListQuerySchema }, async ({ caller, query }) => {
  const after = decodeCursor(query.cursor, ['createdAt', 'id']);
  const manageReach = reach(caller, 'reports.manage_schedules');
  const ownReach = reach(caller, 'reports.schedule');
  const visible = (await listSchedules(caller.trust.id))
    .filter((schedule) => mayManage(caller, schedule, manageReach, ownReach))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .filter((s) => !after || s.createdAt > after.createdAt! || (s.createdAt === after.createdAt && s.id > after.id!));
  const page = visible.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = visible.length > page.length && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }, ['createdAt', 'id']) : null;
  return json(200, { items: page.map(scheduleView), nextCursor });
});
