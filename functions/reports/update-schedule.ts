import { VersionConflictError } from '../../domain/errors';
import type { ReportSchedule } from '../../domain/reports/schedule';
import { writeSchedule } from '../adapters/dynamo/report-schedule-repository';
import { entity, requireIfMatch } from '../http/responses';
import { userHandler } from '../http/user-handler';
import { idParamsSchema } from '../shared/schemas';
import { nowIso } from '../shared/ids';
import { updateScheduleBodySchema } from './schedule.schema';
import { checkCadence, checkRecipients, loadManagedSchedule, requireScheduleAt, scheduleAudit, scheduleParams, scheduleView } from './schedules';

/**
 * PATCH /report-schedules/{id} (If-Match: its version): the fields given
 * replace the stored ones; the result is checked as a new schedule would be
 * (reports.schedule at its node for the caller, every recipient able to view
 * there), audited with before and after.
 */
export const handler = userHandler({ params: idParamsSchema, body: updateScheduleBodySchema }, async ({ caller, params, headers, body }) => {
  const expected = requireIfMatch(headers);
  const before = await loadManagedSchedule(caller, params.id);
  if (before.version !== expected) throw new VersionConflictError();
  const cadence = body.cadence ?? before.cadence;
  const merged = {
    report: body.report ?? before.report,
    params: body.params ?? (body.report && body.report !== before.report ? { nodeId: before.nodeId } : before.params),
    cadence,
    dayOfWeek: 'dayOfWeek' in body ? body.dayOfWeek : cadence === before.cadence ? before.dayOfWeek : undefined,
    dayOfMonth: 'dayOfMonth' in body ? body.dayOfMonth : cadence === before.cadence ? before.dayOfMonth : undefined,
    hour: body.hour ?? before.hour,
    recipientIds: body.recipientIds ?? before.recipientIds,
  };
  checkCadence(merged);
  const { params: stored, nodeId } = scheduleParams(merged, caller);
  requireScheduleAt(caller, nodeId);
  await checkRecipients(caller, merged.recipientIds, nodeId, merged.report);
  const { dayOfWeek: _w, dayOfMonth: _m, ...rest } = before;
  const after: ReportSchedule = {
    ...rest, report: merged.report, params: stored, nodeId, cadence, hour: merged.hour, recipientIds: [...new Set(merged.recipientIds)],
    ...(merged.dayOfWeek !== undefined ? { dayOfWeek: merged.dayOfWeek } : {}), ...(merged.dayOfMonth !== undefined ? { dayOfMonth: merged.dayOfMonth } : {}),
    skippedNotified: (before.skippedNotified ?? []).filter((id) => merged.recipientIds.includes(id)),
    skippedPending: (before.skippedPending ?? []).filter((id) => merged.recipientIds.includes(id)),
    version: before.version + 1, updatedAt: nowIso(),
  };
  if (!(await writeSchedule(after, before.version, scheduleAudit(caller, 'report_schedule.changed', after, scheduleView(before), scheduleView(after))))) throw new VersionConflictError();
  return entity(200, scheduleView(after));
});
