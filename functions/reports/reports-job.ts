import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { displayName } from '../../domain/identity/account';
import { parseReportParams, reportPermissions, type ReportName } from '../../domain/reports/catalogue';
import { renderCsv } from '../../domain/reports/csv';
import { runReport } from '../../domain/reports/reports';
import { duePeriod, type ReportSchedule } from '../../domain/reports/schedule';
import { loadAccounts } from '../adapters/dynamo/person-repository';
import { claimRecipientSend, listAllSchedules, markPeriodDone, markSkippedNotified, markSkippedPending, periodDone } from '../adapters/dynamo/report-schedule-repository';
import { getTrust, loadTrustContext, loadTrustNow } from '../adapters/dynamo/trust-repository';
import { putExportObject } from '../adapters/exports/export-store';
import { sendMail } from '../adapters/ses/mailer-v2';
import { logger } from '../http/logger';
import { loadReportData } from './report-data';
import { mayUseReports, recipientReach } from './schedules';
import { linkUntil, reportEmail, skippedEmail } from '../../domain/reports/emails';
import { REPORT_FILE_DAYS, reportFileKey } from '../../domain/reports/report-file';
import { config } from '../config';
import { decidedAt } from '../shared/job-time';
import { reportFileUrl } from './report-file-link';

/**
 * The largest CSV sent as an attachment. SES refuses a message over 10 MB
 * (after MIME encoding, which turns 3 bytes into 4 in base64): 7 MB of CSV
 * stays under it with the body and headers (REPORT_ATTACHMENT_MAX_BYTES, at
 * most this; tests lower it). A larger report is stored under reports/ in the
 * exports bucket and the email carries a link of our own that works
 * REPORT_FILE_DAYS (GET /reports/files/{id}, review E, E4).
 */
export const ATTACHMENT_MAX_BYTES = 7_000_000;
/** How long a period's claims are kept (longer than any period: a month). */
const CLAIM_TTL_SECONDS = 40 * 86_400;

export interface ReportsRunSummary {
  due: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Recipients already claimed for the period by an earlier run (not sent again). */
  already: number;
  /** The run stopped before its deadline with work left: the next hourly run does the rest. */
  stopped: boolean;
}

/**
 * The time a run leaves itself before its Lambda deadline (5 minutes): one
 * recipient's report takes a few seconds (README: an access review over the
 * whole trust, 1.4 s of compute and a 12.7 MB CSV to S3), so a minute is
 * many times the longest send. A run stops before the next recipient once
 * less is left, as the MIS worker does (STOP_MARGIN_MS).
 */
export const REPORTS_STOP_MARGIN_MS = 60_000;

/**
 * `reports`, hourly: each schedule due at `time` (duePeriod, in its trust's
 * time zone, from its hour to the end of that local day) sends each
 * recipient the report cut to THEIR reach at their send (the trust's tree,
 * roles and policies, and the recipient, read again for each recipient:
 * review J, J2) (reports.view ∩ users.view, and
 * ∩ users.export for `users`: reportPermissions as CSV), as a CSV
 * attachment (or a link when larger than ATTACHMENT_MAX_BYTES). Each
 * recipient's send is claimed for the period by a conditional put
 * (`SENT#<period>#<recipient>`) before it is made, so no run (a retry, two
 * overlapping runs, the next hour) sends it twice; a send that fails after
 * its claim is logged and not retried within the period (at most once). The
 * run stops before the next recipient once less than REPORTS_STOP_MARGIN_MS
 * is left, and the recipients it did not reach are sent by the next hourly
 * run (the schedule stays due all day); a schedule whose every recipient is
 * claimed is marked done for the period (`SENT#<period>`), so later runs skip
 * it with one read. A recipient who may no longer view it there (lost
 * reports.view, users.view or for `users` users.export there, deactivated) is skipped, and the owner is told once per such
 * recipient: the skip is kept on the schedule (`skippedPending`) before the
 * owner's email and cleared once it is sent, so an email that fails is sent
 * by a later run (the skipped are claimed: no run finds them again). An owner who could no longer make the schedule (deactivated, or
 * without reports.schedule at its node) stops it sending altogether.
 */
export async function handler(event: { time?: string }, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ReportsRunSummary> {
  const now = event.time ? new Date(event.time) : new Date();
  const shouldStop = context ? () => context.getRemainingTimeInMillis() < REPORTS_STOP_MARGIN_MS : () => false;
  const summary: ReportsRunSummary = { due: 0, sent: 0, skipped: 0, failed: 0, already: 0, stopped: false };
  for (const schedule of await listAllSchedules()) {
    try {
      await runSchedule(schedule, now, summary, shouldStop);
    } catch (error) {
      logger.error('scheduled report failed', { error, scheduleId: schedule.id, trustId: schedule.trustId });
      summary.failed += 1;
    }
    if (summary.stopped) break;
  }
  if (summary.stopped) logger.info('reports job stopped before its deadline; the next run sends the rest', { ...summary });
  return summary;
}

async function runSchedule(schedule: ReportSchedule, now: Date, summary: ReportsRunSummary, shouldStop: () => boolean): Promise<void> {
  const trust = await getTrust(schedule.trustId);
  if (!trust) return;
  const period = duePeriod(schedule, now, trust.policies.timeZone);
  if (!period) return;
  if (await periodDone(trust.id, schedule.id, period)) return;
  if (shouldStop()) {
    summary.stopped = true;
    return;
  }
  summary.due += 1;
  const context = await loadTrustContext(trust);
  const name = schedule.report as ReportName;
  const params = parseReportParams(name, { ...schedule.params, format: 'csv' }, context.tree, 'params');
  // A schedule sends only while its owner could still make it: a leaver's (deactivated) or a demoted owner's schedules fall silent
  // until someone with reports.manage_schedules deletes them or the owner's rights come back (GET /report-schedules still lists them).
  const owner = await mayUseReports(trust, context, schedule.ownerId, params.nodeId, decidedAt(now), ['reports.schedule']);
  if (!owner.allowed || !owner.record) {
    logger.info('scheduled report not sent: its owner may no longer schedule it', { scheduleId: schedule.id, ownerId: schedule.ownerId });
    summary.skipped += schedule.recipientIds.length;
    await markPeriodDone(trust.id, schedule.id, period, CLAIM_TTL_SECONDS);
    return;
  }
  // What reading it needs (a schedule sends CSV): reports.view and users.view, users.export too for `users` (review E, E6).
  const needed = reportPermissions(name, 'csv');
  /** Recipients who may no longer view it, with their names as read (an id when they are gone). */
  const skipped = new Map<string, string>();
  let finished = true;
  for (const recipientId of schedule.recipientIds) {
    if (shouldStop()) {
      summary.stopped = true;
      finished = false;
      break;
    }
    try {
      if (!(await claimRecipientSend(trust.id, schedule.id, period, recipientId, CLAIM_TTL_SECONDS))) {
        summary.already += 1;
        continue;
      }
      // Judged, and cut, on the trust as it is at this send (review J, J2): its META item read again (policies, tree version) and
      // its tree and roles read again when that version moved (loadTrustContext), the person read by mayUseReports. Not on the
      // schedule's copy, which a role narrowed, a node moved or a policy turned on while the run is under way would leave stale.
      const current = await loadTrustNow(trust.id);
      if (!current) throw new Error('The trust of a schedule is gone');
      const { trust: trustNow, context: contextNow } = current;
      // Decided at the real time when the run is late (review J, J3); the report's own figures stay those of the run's time.
      const decideAt = decidedAt(now);
      const { record, compiled, allowed } = await mayUseReports(trustNow, contextNow, recipientId, params.nodeId, decideAt, needed);
      if (!allowed || !record || !compiled) {
        skipped.set(recipientId, record ? displayName(record.account) : recipientId);
        summary.skipped += 1;
        continue;
      }
      const reach = recipientReach(contextNow, compiled, needed, decideAt);
      const data = await loadReportData(name, { trust: trustNow, tree: contextNow.tree, roles: contextNow.roles }, reach, params, now);
      const result = runReport(name, data, params, reach, now);
      const csv = renderCsv(result);
      const filename = `${name}-${period}.csv`;
      const bytes = Buffer.byteLength(csv);
      const nodeName = contextNow.tree.nodes.get(params.nodeId)?.name ?? params.nodeId;
      const mail = { trustName: trust.name, firstName: record.account.firstName, report: name, nodeName, period, rows: result.rows.length };
      if (bytes <= Math.min(ATTACHMENT_MAX_BYTES, config().REPORT_ATTACHMENT_MAX_BYTES)) {
        await sendMail(record.account.email, reportEmail(mail), { attachments: [{ filename, contentType: 'text/csv; charset=utf-8', content: Buffer.from(csv) }] });
      } else {
        // Stored for this recipient alone (their reach), and linked for REPORT_FILE_DAYS from the run's time (review E, E4), or from
        // now if that is earlier (a run given a later time), so the link never outlives the object (kept a day longer from its put).
        // The link names the schedule, report and node, so a recipient who loses the right to read it there stops downloading (review G, G6).
        const file = { trustId: trust.id, userId: recipientId, fileId: randomUUID(), filename, scheduleId: schedule.id, report: name, nodeId: params.nodeId };
        await putExportObject(reportFileKey(file), csv, filename, 'text/csv; charset=utf-8');
        const expiresAt = new Date(Math.min(now.getTime(), Date.now()) + REPORT_FILE_DAYS * 86_400_000);
        await sendMail(record.account.email, reportEmail({ ...mail, link: { url: await reportFileUrl(file, expiresAt), until: linkUntil(expiresAt, trust.policies.timeZone) } }));
      }
      summary.sent += 1;
    } catch (error) {
      logger.error('scheduled report not sent to a recipient', { error, scheduleId: schedule.id, recipientId });
      summary.failed += 1;
    }
  }
  // Told even when the run stops part-way: those skipped are claimed, so no later run would find them again. They are kept
  // on the schedule before the email and cleared after it, so an email that fails is sent by a later run with any new ones.
  const told = new Set(schedule.skippedNotified ?? []);
  const earlier = (schedule.skippedPending ?? []).filter((id) => !told.has(id) && schedule.recipientIds.includes(id));
  const fresh = [...skipped.keys()].filter((id) => !told.has(id) && !earlier.includes(id));
  if (fresh.length > 0) await markSkippedPending(trust.id, schedule.id, fresh);
  const untold = [...earlier, ...fresh];
  if (untold.length > 0) {
    // The owner passed the check above: active, still holding reports.schedule here. An earlier run's skips by their names now (an id when gone).
    const accounts = new Map((earlier.length > 0 ? await loadAccounts(trust.id, earlier) : []).map((account) => [account.id, displayName(account)]));
    const names = untold.map((id) => skipped.get(id) ?? accounts.get(id) ?? id);
    await sendMail(owner.record.account.email, skippedEmail({ trustName: trust.name, firstName: owner.record.account.firstName, report: name, names }));
    await markSkippedNotified(trust.id, schedule.id, untold);
  }
  if (finished) await markPeriodDone(trust.id, schedule.id, period, CLAIM_TTL_SECONDS);
}
