import { listSchedules } from '../adapters/dynamo/report-schedule-repository';
import { json } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { reach } from '../shared/authorize';
import { mayManage, scheduleView } from './schedules';

/** GET /report-schedules: your own (while you hold reports.schedule at their node) and anyone's at a node in your reach of reports.manage_schedules. */
export const handler = userHandler({}, async ({ caller }) => {
  const manageReach = reach(caller, 'reports.manage_schedules');
  const ownReach = reach(caller, 'reports.schedule');
  const items = (await listSchedules(caller.trust.id))
    .filter((schedule) => mayManage(caller, schedule, manageReach, ownReach))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map(scheduleView);
  return json(200, { items });
});
