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
      const summary = await module.handler({ source: 'local', 'detail-type': 'Scheduled Event', time: new Date().toISOString() });
      return json(200, { job: job.name, summary });
    }
    return json(404, { type: 'urn:trust-access:problem:not_found', title: 'No such local path', status: 404, code: 'not_found' });
  };
}
