import { signReportFileLink, type ReportFile } from '../../domain/reports/report-file';
import { apiUrl } from '../config';
import { linkKey } from '../notifications/links';

/** The emailed link of a stored report: `<PUBLIC_API_URL>/reports/files/<id>?e=<expiry>&s=<signature>` (GET /reports/files/{fileId}). */
export async function reportFileUrl(file: ReportFile, expiresAt: Date): Promise<string> {
  const link = signReportFileLink(file, Math.floor(expiresAt.getTime() / 1000), await linkKey());
  return apiUrl(`/reports/files/${link.id}?e=${link.e}&s=${link.s}`);
}
