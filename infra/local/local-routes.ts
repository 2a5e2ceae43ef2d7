import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { localPathIsValid } from '../../functions/shared/local-signed-url';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JobDef } from '../../functions/routes';

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': statusCode >= 400 ? 'application/problem+json' : 'application/json' },
  body: JSON.stringify(body),
});

interface StoredEmail {
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  subject?: string;
  body?: { html?: string; text?: string };
  at?: number;
  headers?: { key?: string; name?: string; value?: string }[];
  attachments?: { filename?: string; contentType?: string; content?: string }[];
}

/** Runs a scheduled function as EventBridge Scheduler would, with the time it fired at. */
export async function runJob(root: string, job: JobDef, time: Date): Promise<unknown> {
  const module = (await import(pathToFileURL(resolve(root, job.handler)).href)) as { handler: (event: unknown) => Promise<unknown> };
  return module.handler({ source: 'local', 'detail-type': 'Scheduled Event', time: time.toISOString(), job: job.name, detail: {} });
}

/** Local-only paths, never deployed: the mailbox and running scheduled functions on demand. */
export function localRoutes(options: { sesUrl: string; root: string; jobs: JobDef[]; exportDir?: string }) {
  return async (method: string, path: string, _body?: string, query?: URLSearchParams): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    if (!path.startsWith('/_local/')) return undefined;
    // The exports bucket's stand-in: a stored export, only through an unexpired link signed by the export function.
    if (method === 'GET' && path.startsWith('/_local/exports/') && options.exportDir) {
      const key = path.slice('/_local/exports/'.length);
      const secret = process.env.EXPORT_LOCAL_SECRET;
      if (!secret || !localPathIsValid(path, query?.get('expires') ?? null, query?.get('signature') ?? null, secret) || key.split('/').some((part) => part === '..' || part === '')) {
        return { statusCode: 403, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match</Message></Error>' };
      }
      const file = join(options.exportDir, key);
      if (!existsSync(file)) return { statusCode: 404, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>NoSuchKey</Code></Error>' };
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${key.split('/').pop()}"` },
        body: readFileSync(file, 'utf8'),
      };
    }
    if (method === 'GET' && path === '/_local/mail') {
      const response = await fetch(`${options.sesUrl}/store`, { headers: { authorization: 'AWS4-HMAC-SHA256 local' } });
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      const items = emails.map((email) => ({
        to: email.destination?.to ?? [],
        subject: email.subject ?? '',
        text: email.body?.text ?? '',
        html: email.body?.html ?? '',
        at: new Date((email.at ?? 0) * 1000).toISOString(),
        // SESv2 simple content keeps custom headers (List-Unsubscribe) and attachments.
        headers: Object.fromEntries((email.headers ?? []).map((h) => [h.key ?? h.name ?? '', h.value ?? ''])),
        attachments: (email.attachments ?? []).map((a) => ({ filename: a.filename ?? '', contentType: a.contentType ?? '', content: a.content ?? '' })),
      }));
      return json(200, { items });
    }
    const run = /^\/_local\/run\/([\w-]+)$/.exec(path);
    if (method === 'POST' && run) {
      const job = options.jobs.find((j) => j.name === run[1]);
      if (!job) {
        return json(404, {
          type: 'urn:trust-access:problem:unknown_job', title: 'No such scheduled function', status: 404, code: 'unknown_job',
          detail: `Known jobs: ${options.jobs.map((j) => j.name).join(', ') || 'none yet'}`,
        });
      }
      const module = (await import(pathToFileURL(resolve(options.root, job.handler)).href)) as { handler: (event: unknown) => Promise<unknown> };
      // `?at=<ISO time>` runs the job as if the schedule fired then.
      const at = query?.get('at');
      if (at && Number.isNaN(Date.parse(at))) {
        return json(400, { type: 'urn:trust-access:problem:validation_failed', title: 'at is not an ISO time', status: 400, code: 'validation_failed', errors: [{ path: 'at', message: 'not an ISO 8601 time' }] });
      }
      const summary = await module.handler({ source: 'local', 'detail-type': 'Scheduled Event', time: at ? new Date(at).toISOString() : new Date().toISOString() });
      return json(200, { job: job.name, summary });
    }
    return json(404, { type: 'urn:trust-access:problem:not_found', title: 'No such local path', status: 404, code: 'not_found' });
  };
}
