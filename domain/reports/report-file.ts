import { createHmac, timingSafeEqual } from 'node:crypto';
import { REPORT_NAMES, type ReportName } from './catalogue';

/**
 * A scheduled report too large to attach (review E, E4): stored under
 * `reports/<trust>/<file id>/<filename>` in the exports bucket for
 * REPORT_FILE_DAYS, and emailed as a link of our own,
 * `/reports/files/<id>?e=<expiry>&s=<signature>`, that lasts as long. The
 * route checks the link, then that the recipient may still read that report
 * (the schedule still exists and lists them, and they still hold there what
 * the job asked of them when sending: review G, G6), then redirects to a
 * fresh short-lived presigned URL of the object.
 */
export const REPORT_FILE_PREFIX = 'reports/';
/** How long an emailed report link works. The bucket keeps the objects a day longer (its lifecycle rule), so a link never outlives its file. */
export const REPORT_FILE_DAYS = 7;
/** The bucket's lifecycle rule for REPORT_FILE_PREFIX (infra/constructs/buckets.ts). */
export const REPORT_FILE_RETENTION_DAYS = REPORT_FILE_DAYS + 1;

/** One recipient's stored report: whose it is and where it lies. */
export interface ReportFile {
  trustId: string;
  /** The recipient it was made for (their reach). */
  userId: string;
  /** A random UUID, new for each send. */
  fileId: string;
  filename: string;
  /** The schedule that sent it: the link works only while it still lists the recipient (review G, G6). */
  scheduleId: string;
  /** The report and node it was made for: the recipient must still be able to read that report there. */
  report: ReportName;
  nodeId: string;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILENAME = /^[a-z0-9][a-z0-9-]{0,95}\.csv$/;

/** Whether the parts are ones the job makes: nothing that could leave the prefix or the trust's folder. */
export function isReportFile(file: ReportFile): boolean {
  return ID.test(file.trustId) && ID.test(file.userId) && UUID.test(file.fileId) && FILENAME.test(file.filename)
    && ID.test(file.scheduleId) && ID.test(file.nodeId) && (REPORT_NAMES as readonly string[]).includes(file.report) && file.filename.startsWith(`${file.report}-`);
}

/** The object key of a stored report (under REPORT_FILE_PREFIX, one folder per trust and send). */
export function reportFileKey(file: ReportFile): string {
  if (!isReportFile(file)) throw new Error('Not a report file');
  return `${REPORT_FILE_PREFIX}${file.trustId}/${file.fileId}/${file.filename}`;
}

// Domain-separated from the unsubscribe links (`unsubscribe.v1.`), which share LINK_SIGNING_KEY. v2: the claim names the
// schedule, report and node (review G, G6); a v1 link (no schedule) never verifies.
const mac = (id: string, expires: string, key: string) => createHmac('sha256', key).update(`report-file.v2.${id}.${expires}`).digest('base64url');

export interface ReportFileLink {
  /** The path segment: the file's claim, base64url JSON [trustId, userId, fileId, filename, scheduleId, report, nodeId]. */
  id: string;
  /** Epoch seconds after which the link no longer works. */
  e: string;
  /** HMAC-SHA256 of id and e with the link key, base64url. */
  s: string;
}

/** A link to `file` that works until `expiresAt` (epoch seconds). */
export function signReportFileLink(file: ReportFile, expiresAt: number, key: string): ReportFileLink {
  if (!isReportFile(file)) throw new Error('Not a report file');
  const id = Buffer.from(JSON.stringify([file.trustId, file.userId, file.fileId, file.filename, file.scheduleId, file.report, file.nodeId])).toString('base64url');
  const e = String(Math.floor(expiresAt));
  return { id, e, s: mac(id, e, key) };
}

/**
 * The file and expiry of a genuine link (signed with `key`, nothing in it
 * altered), expired or not; undefined for anything else. The caller decides
 * about the expiry, so that only a genuine link learns it has expired.
 */
export function verifyReportFileLink(link: ReportFileLink, key: string): { file: ReportFile; expiresAt: number } | undefined {
  if (!/^\d{1,12}$/.test(link.e) || link.id.length === 0 || link.id.length > 1000) return undefined;
  const expected = Buffer.from(mac(link.id, link.e, key));
  const given = Buffer.from(link.s);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(link.id, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 7 || !parsed.every((part) => typeof part === 'string')) return undefined;
    const [trustId, userId, fileId, filename, scheduleId, report, nodeId] = parsed as string[] as [string, string, string, string, string, ReportName, string];
    const file: ReportFile = { trustId, userId, fileId, filename, scheduleId, report, nodeId };
    return isReportFile(file) ? { file, expiresAt: Number(link.e) } : undefined;
  } catch {
    return undefined;
  }
}
