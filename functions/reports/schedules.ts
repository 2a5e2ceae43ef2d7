import { auditRecord } from '../../domain/audit/audit-record';
import { InvalidInputError, NotFoundError, type FieldError } from '../../domain/errors';
import { parseReportParams, reportPermissions, type ReportName } from '../../domain/reports/catalogue';
import { intersectReach } from '../../domain/reports/model';
import type { PermissionCode } from '../../domain/access/permissions';
import { canSee, Reach, reachOf } from '../../domain/access/reach';
import type { ReportSchedule } from '../../domain/reports/schedule';
import { loadPerson } from '../adapters/dynamo/person-repository';
import { getSchedule } from '../adapters/dynamo/report-schedule-repository';
import type { Caller } from '../http/caller';
import { authorize, decideUnattended, reach } from '../shared/authorize';
import { newId, nowIso } from '../shared/ids';
import type { TrustContext } from '../adapters/dynamo/trust-repository';
import { compilePerson, type CompiledPerson } from '../../domain/access/compiled-person';
import type { Trust } from '../../domain/org/trust';

export interface ScheduleInput {
  report: ReportName;
  params?: Record<string, string | number>;
  cadence: ReportSchedule['cadence'];
  dayOfWeek?: number;
  dayOfMonth?: number;
  hour: number;
  recipientIds: string[];
}

/** The stored params (nodeId always set) after parseReportParams validated them (400 naming `params.<name>`). */
export function scheduleParams(input: ScheduleInput, caller: Caller): { params: Record<string, string | number>; nodeId: string } {
  const raw = { ...(input.params ?? {}) };
  delete raw.format;
  const parsed = parseReportParams(input.report, raw, caller.context.tree, 'params') as unknown as Record<string, string | number>;
  const { format: _format, ...params } = parsed;
  return { params, nodeId: String(parsed.nodeId) };
}

/** weekly needs dayOfWeek, monthly dayOfMonth, and neither takes the other's. */
export function checkCadence(input: Pick<ScheduleInput, 'cadence' | 'dayOfWeek' | 'dayOfMonth'>): void {
  const errors: FieldError[] = [];
  if (input.cadence === 'weekly' && input.dayOfWeek === undefined) errors.push({ path: 'body.dayOfWeek', message: 'required for a weekly schedule (0 Sunday … 6 Saturday)' });
  if (input.cadence === 'monthly' && input.dayOfMonth === undefined) errors.push({ path: 'body.dayOfMonth', message: 'required for a monthly schedule (1-28)' });
  if (input.cadence !== 'weekly' && input.dayOfWeek !== undefined) errors.push({ path: 'body.dayOfWeek', message: `a ${input.cadence} schedule takes no dayOfWeek` });
  if (input.cadence !== 'monthly' && input.dayOfMonth !== undefined) errors.push({ path: 'body.dayOfMonth', message: `a ${input.cadence} schedule takes no dayOfMonth` });
  if (errors.length > 0) throw new InvalidInputError('validation_failed', 'The schedule is not valid', errors);
}

/**
 * Whether a person may use reports at `nodeId` now: every one of
 * `permissions` (a recipient: the report's reportPermissions as CSV,
 * reports.view and users.view, users.export too for `users`; a schedule's
 * owner: reports.schedule), active, each code granted there by the decision
 * engine (with the 2FA they have turned on: an emailed report has no
 * session, so a code that needs 2FA counts only for someone who uses it),
 * under the trust's admin policy (these are administration permissions:
 * with requireMfaForAdmins on, only someone with 2FA on, as GET /reports/*
 * would answer). The same rule at creation and at send time
 * (decideUnattended). `missing` is the first code refused.
 */
export async function mayUseReports(
  trust: Pick<Trust, 'id' | 'policies'>, context: Pick<TrustContext, 'tree' | 'roles'>, personId: string, nodeId: string, now: Date,
  permissions: readonly PermissionCode[],
) {
  const record = await loadPerson(trust.id, personId);
  if (!record || record.account.status !== 'active') return { record, allowed: false, missing: undefined };
  const compiled = compilePerson(record.person, context.roles, context.tree);
  const missing = permissions.find(
    (permission) => !decideUnattended({ tree: context.tree, roles: context.roles, person: compiled, permission, nodeId, policies: trust.policies, now }).allowed,
  );
  return { record, compiled, allowed: permissions.length > 0 && missing === undefined, missing };
}

/**
 * Where a recipient may read a report sent by email: the intersection of
 * their reaches of every code the report needs as CSV, with the 2FA they
 * have turned on (the run's `mayUseReports` has checked each at the node,
 * under the admin policy).
 */
export function recipientReach(context: Pick<TrustContext, 'tree' | 'roles'>, compiled: CompiledPerson, permissions: readonly PermissionCode[], now: Date): Reach {
  let result: Reach | undefined;
  for (const permission of permissions) {
    const own = reachOf({ tree: context.tree, roles: context.roles, person: compiled, permission, mfa: compiled.person.mfaEnabled, now });
    result = result === undefined ? own : intersectReach(result, own);
  }
  return result ?? new Reach(context.tree.rootId);
}

/**
 * 400 recipient_cannot_view naming each recipient who may not read the
 * report at nodeId: an active account holding there every code the report
 * needs as CSV (a schedule always sends CSV: reports.view and users.view,
 * users.export too for `users`), the message naming the first code missing.
 * A recipient the caller may not see (outside their users.view reach; the
 * caller always sees themself) is refused with the very entry of an id that
 * does not exist, whatever their account and codes (review G, G11): naming
 * person ids is no way to learn who exists, is active or holds what.
 */
export async function checkRecipients(caller: Caller, recipientIds: string[], nodeId: string, report: ReportName): Promise<void> {
  const now = new Date();
  const permissions = reportPermissions(report, 'csv');
  const visible = reach(caller, 'users.view');
  const results = await Promise.all([...new Set(recipientIds)].map(async (id) => {
    const result = await mayUseReports(caller.trust, caller.context, id, nodeId, now, permissions);
    const seen = result.record !== undefined && (id === caller.account.id || canSee(visible, result.record.person));
    // Unseen: exactly what an unknown id gets (not allowed, no code named).
    return seen ? { id, allowed: result.allowed, missing: result.missing } : { id, allowed: false, missing: undefined };
  }));
  const refused = results.filter((r) => !r.allowed);
  if (refused.length > 0) {
    throw new InvalidInputError(
      'recipient_cannot_view',
      `Every recipient must be able to view the report at its node (${permissions.join(', ')} there, an active account)`,
      refused.map((r) => ({
        path: `body.recipientIds.${recipientIds.indexOf(r.id)}`,
        message: `${r.id} cannot view this report at ${nodeId}${r.missing ? ` (needs ${r.missing} there)` : ''}`,
      })),
    );
  }
}

/**
 * A schedule the caller may change or delete, else 404 (one they may not see
 * is not theirs to learn of): their own while they hold reports.schedule at
 * its node, anyone's at a node in their reach of reports.manage_schedules.
 */
export async function loadManagedSchedule(caller: Caller, id: string): Promise<ReportSchedule> {
  const schedule = await getSchedule(caller.trust.id, id);
  if (!schedule || !mayManage(caller, schedule)) throw new NotFoundError('Report schedule');
  return schedule;
}

export function mayManage(caller: Caller, schedule: ReportSchedule, manageReach = safeReach(caller, 'reports.manage_schedules'), ownReach = safeReach(caller, 'reports.schedule')): boolean {
  if (manageReach.has(schedule.nodeId)) return true;
  return schedule.ownerId === caller.account.id && ownReach.has(schedule.nodeId);
}

function safeReach(caller: Caller, permission: 'reports.manage_schedules' | 'reports.schedule') {
  return reach(caller, permission);
}

export function requireScheduleAt(caller: Caller, nodeId: string): void {
  authorize(caller, 'reports.schedule', nodeId);
}

export function scheduleAudit(caller: Caller, action: string, schedule: ReportSchedule, before: unknown, after: unknown) {
  return auditRecord({ id: newId(), at: nowIso(), actorId: caller.account.id, action, targetType: 'report-schedule', targetId: schedule.id, nodeId: schedule.nodeId, before, after });
}

export function scheduleView(schedule: ReportSchedule) {
  const { trustId: _t, skippedNotified: _s, skippedPending: _p, ...view } = schedule;
  return view;
}

