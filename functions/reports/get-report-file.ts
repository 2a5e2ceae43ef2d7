import { ForbiddenError, GoneError } from '../../domain/errors';
import { reportFileKey, verifyReportFileLink } from '../../domain/reports/report-file';
import { getAccount } from '../adapters/dynamo/account-repository';
import { presignExport } from '../adapters/exports/export-store';
import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { linkKey } from '../notifications/links';
import { reportFileParamsSchema, reportFileQuerySchema } from './report.schema';

/**
 * The link a scheduled report's email carries when the file was too large to
 * attach (review E, E4). Public: it is opened in a browser, without a bearer
 * token, like the unsubscribe links. The signature (HMAC-SHA256 with
 * LINK_SIGNING_KEY over `report-file.v1.<id>.<expiry>`) binds the trust, the
 * recipient, the file and the expiry: a forged or altered link is 403
 * `invalid_link`, a genuine one past its expiry 410 `link_expired`, and a
 * recipient whose account is no longer active (deactivated, locked, gone)
 * 403 `forbidden`. Otherwise 303 to a fresh presigned GET of the object,
 * valid EXPORT_URL_TTL_SECONDS as the export's. The file was cut to the
 * recipient's reach when it was sent, as an attachment is; it is not re-cut.
 */
export const handler = httpHandler({ auth: 'public', params: reportFileParamsSchema, query: reportFileQuerySchema }, async ({ params, query }) => {
  const verified = verifyReportFileLink({ id: params.fileId, e: query.e, s: query.s }, linkKey());
  if (!verified) throw new ForbiddenError('This link is not valid. Open the link from your email again.', 'invalid_link');
  if (verified.expiresAt * 1000 <= Date.now()) throw new GoneError('link_expired', 'This link has expired; the report is sent again at its next scheduled time');
  const { file } = verified;
  const account = await getAccount({ trustId: file.trustId, userId: file.userId });
  if (account?.status !== 'active') throw new ForbiddenError('The account this report was sent to is not active');
  const stored = await presignExport(reportFileKey(file), file.filename);
  return json(303, stored, { location: stored.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
});
