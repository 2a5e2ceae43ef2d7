import { ForbiddenError, GoneError } from '../../domain/errors';
import { reportPermissions } from '../../domain/reports/catalogue';
import { reportFileKey, verifyReportFileLink, type ReportFile } from '../../domain/reports/report-file';
import { getSchedule } from '../adapters/dynamo/report-schedule-repository';
import { loadTrustNow } from '../adapters/dynamo/trust-repository';
import { presignExport } from '../adapters/exports/export-store';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { linkKey } from '../notifications/links';
import { reportFileParamsSchema, reportFileQuerySchema } from './report.schema';
import { mayUseReports } from './schedules';

/**
 * The link a scheduled report's email carries when the file was too large to
 * attach (review E, E4). Public: it is opened in a browser, without a bearer
 * token, like the unsubscribe links. The signature (HMAC-SHA256 with
 * LINK_SIGNING_KEY over `report-file.v2.<id>.<expiry>`) binds the trust, the
 * recipient, the file, the schedule, report and node it was sent for, and the
 * expiry: a forged or altered link is 403 `invalid_link`, a genuine one past
 * its expiry 410 `link_expired`. A recipient who may no longer read that
 * report is 403 `forbidden` (review G, G6): the schedule is gone or no longer
 * lists them, or they fail the rule the job applied when sending
 * (`mayUseReports`: an active account holding the report's CSV codes at its
 * node, under the trust's admin policy). Otherwise 303 to a fresh presigned
 * GET of the object, valid EXPORT_URL_TTL_SECONDS as the export's. The file
 * was cut to the recipient's reach when it was sent; it is not re-cut.
 */
export const handler = httpHandler({ auth: 'public', params: reportFileParamsSchema, query: reportFileQuerySchema }, async ({ params, query }) => {
  const verified = verifyReportFileLink({ id: params.fileId, e: query.e, s: query.s }, await linkKey());
  if (!verified) throw new ForbiddenError('This link is not valid. Open the link from your email again.', 'invalid_link');
  if (verified.expiresAt * 1000 <= Date.now()) throw new GoneError('link_expired', 'This link has expired; the report is sent again at its next scheduled time');
  const { file } = verified;
  // One answer for every reason (a bearer link learns nothing of the recipient's roles or the schedule).
  if (!(await mayStillRead(file))) throw new ForbiddenError('The person this report was sent to may no longer read it');
  const stored = await presignExport(reportFileKey(file), file.filename);
  return json(303, stored, { location: stored.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
});

/** The schedule still lists the recipient, and the recipient still passes the job's rule for that report at its node, now. */
async function mayStillRead(file: ReportFile): Promise<boolean> {
  const schedule = await getSchedule(file.trustId, file.scheduleId);
  if (!schedule?.recipientIds.includes(file.userId)) return false;
  const now = await loadTrustNow(file.trustId);
  if (!now) return false;
  const { allowed } = await mayUseReports(now.trust, now.context, file.userId, file.nodeId, new Date(), reportPermissions(file.report, 'csv'));
  return allowed;
}
