import { NotFoundError } from '../../domain/errors';
import { writeScheduleDeleted } from '../adapters/dynamo/report-schedule-repository';
import { noContent } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { idParamsSchema } from '../shared/schemas';
import { loadManagedSchedule, scheduleAudit, scheduleView } from './schedules';

/** DELETE /report-schedules/{id}: your own, or anyone's in your reach of reports.manage_schedules; audited. */
export const handler = userHandler({ params: idParamsSchema }, async ({ caller, params }) => {
  const schedule = await loadManagedSchedule(caller, params.id);
  if (!(await writeScheduleDeleted(schedule, scheduleAudit(caller, 'report_schedule.deleted', schedule, scheduleView(schedule), null)))) {
    throw new NotFoundError('Report schedule');
  }
  return noContent();
});
