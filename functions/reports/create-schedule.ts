import { ConflictError } from '../../domain/errors';
import { MAX_SCHEDULES_PER_TRUST, type ReportSchedule } from '../../domain/reports/schedule';
import { countSchedules, writeSchedule } from '../adapters/dynamo/report-schedule-repository';
import { entity } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { newId, nowIso } from '../shared/ids';
import { createScheduleBodySchema } from './schedule.schema';
import { checkCadence, checkRecipients, requireScheduleAt, scheduleAudit, scheduleParams, scheduleView } from './schedules';

/** POST /report-schedules: reports.schedule at params.nodeId (default the trust); every recipient able to view the report there; at most MAX_SCHEDULES_PER_TRUST (409 schedule_limit); audited. */
export const handler = userHandler({ body: createScheduleBodySchema }, async ({ caller, body }) => {
  checkCadence(body);
  const { params, nodeId } = scheduleParams(body, caller);
  requireScheduleAt(caller, nodeId);
  await checkRecipients(caller, body.recipientIds, nodeId, body.report);
  // Checked before the write, not in it: concurrent creations may pass the cap by their number, which bounds what it guards (sizes).
  if ((await countSchedules(caller.trust.id)) >= MAX_SCHEDULES_PER_TRUST) {
    throw new ConflictError('schedule_limit', `A trust holds at most ${MAX_SCHEDULES_PER_TRUST} report schedules; delete one before making another`);
  }
  const at = nowIso();
  const schedule: ReportSchedule = {
    id: newId(), trustId: caller.trust.id, ownerId: caller.account.id, report: body.report, params, nodeId,
    cadence: body.cadence, ...(body.dayOfWeek !== undefined ? { dayOfWeek: body.dayOfWeek } : {}), ...(body.dayOfMonth !== undefined ? { dayOfMonth: body.dayOfMonth } : {}),
    hour: body.hour, recipientIds: [...new Set(body.recipientIds)], version: 1, createdAt: at, updatedAt: at,
  };
  await writeSchedule(schedule, undefined, scheduleAudit(caller, 'report_schedule.created', schedule, null, scheduleView(schedule)));
  const response = entity(201, scheduleView(schedule));
  response.headers = { ...response.headers, location: `/report-schedules/${schedule.id}` };
  return response;
});
