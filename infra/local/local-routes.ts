import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROSTER_KEY_PREFIX, ROSTER_KEY_SUFFIX } from '../../domain/mis/roster-key';
import { LOCAL_QUEUES, type LocalQueues } from '../../functions/adapters/sqs/job-queue';
import { localPathIsValid } from '../../functions/shared/local-signed-url';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JobDef } from '../../functions/routes';
import type { SesRefusals } from './emulators';

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': statusCode >= 400 ? 'application/problem+json' : 'application/json' },
  body: JSON.stringify(body),
});

/** The problem document of a local route's bad input: 400 `validation_failed`, naming the field when there is one. */
const invalidInput = (title: string, error?: { path: string; message: string }): APIGatewayProxyStructuredResultV2 =>
  json(400, { type: 'urn:trust-access:problem:validation_failed', title, status: 400, code: 'validation_failed', ...(error ? { errors: [error] } : {}) });

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
export function localRoutes(options: { sesUrl: string; root: string; jobs: JobDef[]; exportDir?: string; rosterDir?: string; sesRefusals?: SesRefusals }) {
  return async (method: string, path: string, _body?: string, query?: URLSearchParams, headers: Record<string, string> = {}): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    if (!path.startsWith('/_local/')) return undefined;
    // Issue 10: the roster bucket's stand-in, as a trust's MIS connector drops a file into it (see dropIntoRosterBucket).
    if (method === 'PUT' && path.startsWith('/_local/roster-bucket/') && options.rosterDir) {
      const key = decodeURIComponent(path.slice('/_local/roster-bucket/'.length));
      if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) return invalidInput('Not an object key');
      const bytes = Buffer.from(_body ?? '', isText(headers['content-type']) ? 'utf8' : 'base64');
      const deliveries = Math.min(3, Math.max(1, Number(query?.get('deliveries') ?? 1) || 1));
      return json(200, dropIntoRosterBucket(options.rosterDir, key, bytes, deliveries));
    }
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
    // A send SES refuses for good: from now on every email to `address` is answered 400 MessageRejected, and counted (GET).
    if (path === '/_local/mail/refusals' && options.sesRefusals) {
      const address = method === 'POST' ? String((JSON.parse(_body || '{}') as { address?: unknown }).address ?? '') : (query?.get('address') ?? '');
      if (!address.includes('@')) return invalidInput('address is not an email address', { path: 'address', message: 'required' });
      if (method === 'POST') options.sesRefusals.refuse(address);
      return json(200, { address, attempts: options.sesRefusals.attempts(address) });
    }
    // SES's event for a send to `address` that bounced for good or drew a complaint, as SES publishes it a little after the
    // send (configuration set → SNS → the email-events queue); aws-ses-v2-local accepts every email and reports nothing.
    if (method === 'POST' && path === '/_local/mail/events') {
      let input: { address?: unknown; type?: unknown; at?: unknown } = {};
      try {
        input = JSON.parse(_body || '{}') as typeof input;
      } catch {
        // Answered below as a missing address.
      }
      const address = typeof input.address === 'string' ? input.address : '';
      const invalid = (field: string, message: string) => invalidInput(`${field} is not valid`, { path: field, message });
      if (!address.includes('@')) return invalid('address', 'an email address');
      if (input.type !== 'bounce' && input.type !== 'complaint') return invalid('type', "'bounce' or 'complaint'");
      // `at`: when SES saw it (default now); the same `at` twice is the same event delivered twice.
      const at = input.at === undefined ? new Date() : new Date(typeof input.at === 'string' ? input.at : Number.NaN);
      if (Number.isNaN(at.getTime())) return invalid('at', 'an ISO 8601 time');
      const queues = (globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES];
      if (!queues) throw new Error('The local queues are not running');
      queues.send('email-events', JSON.stringify(sesEvent(address, input.type, at)));
      return json(202, { address, type: input.type, at: at.toISOString() });
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
        return invalidInput('at is not an ISO time', { path: 'at', message: 'not an ISO 8601 time' });
      }
      // `?trustId=` (repeatable): only those trusts, for jobs that go trust by trust (mis-sync), so one test's night never runs another's schools.
      const trustIds = query?.getAll('trustId') ?? [];
      const summary = await module.handler({
        source: 'local', 'detail-type': 'Scheduled Event', time: at ? new Date(at).toISOString() : new Date().toISOString(),
        ...(trustIds.length > 0 ? { trustIds } : {}),
      });
      return json(200, { job: job.name, summary });
    }
    return json(404, { type: 'urn:trust-access:problem:not_found', title: 'No such local path', status: 404, code: 'not_found' });
  };
}

const isText = (contentType: string | undefined) => !!contentType && /^(text\/|application\/(json|x-www-form-urlencoded))/.test(contentType);

let sequence = 0n;

/**
 * What S3 does when an object is put in the roster bucket: the object is
 * stored at its key (here: the folder the roster store reads locally), and,
 * when the key is under `mis/` and ends `.zip` (the bucket's notification
 * filter), an S3 event notification goes to the `mis-rosters` queue (here:
 * the in-process queue, which calls the same handler the queue's Lambda
 * runs). `deliveries` sends the very same event more than once, as S3's
 * at-least-once delivery may.
 */
export function dropIntoRosterBucket(rosterDir: string, key: string, bytes: Buffer, deliveries = 1) {
  const file = join(rosterDir, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  sequence += 1n;
  const sequencer = (process.hrtime.bigint() * 1000n + sequence).toString(16).toUpperCase();
  const notified = key.startsWith(ROSTER_KEY_PREFIX) && key.endsWith(ROSTER_KEY_SUFFIX);
  if (notified) {
    const body = JSON.stringify({
      Records: [{
        eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'local', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:local-mis-connector' }, requestParameters: { sourceIPAddress: '127.0.0.1' }, responseElements: {},
        s3: {
          s3SchemaVersion: '1.0', configurationId: 'RosterDrops',
          bucket: { name: 'local-roster-bucket', ownerIdentity: { principalId: 'local' }, arn: 'arn:aws:s3:::local-roster-bucket' },
          // S3 URL-encodes the key in events (a space as +).
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: bytes.length, eTag: createHash('md5').update(bytes).digest('hex'), sequencer },
        },
      }],
    });
    const queues = (globalThis as { [LOCAL_QUEUES]?: LocalQueues })[LOCAL_QUEUES];
    if (!queues) throw new Error('The local queues are not running');
    for (let i = 0; i < deliveries; i++) queues.send('mis-rosters', body);
  }
  return { key, bytes: bytes.length, sequencer, notified };
}

/** An SES event record as a configuration set publishes it (the fields AWS documents; ids made up). */
export function sesEvent(address: string, type: 'bounce' | 'complaint', at: Date): Record<string, unknown> {
  const timestamp = at.toISOString();
  const mail = { timestamp, source: 'no-reply@local', sendingAccountId: '000000000000', messageId: `local-${createHash('sha256').update(address + timestamp).digest('hex').slice(0, 24)}`, destination: [address], tags: {} };
  if (type === 'complaint') {
    return { eventType: 'Complaint', complaint: { feedbackId: `${mail.messageId}-complaint`, complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: address }], timestamp, userAgent: 'local' }, mail };
  }
  return {
    eventType: 'Bounce',
    bounce: {
      feedbackId: `${mail.messageId}-bounce`, bounceType: 'Permanent', bounceSubType: 'General', reportingMTA: 'dns; local', timestamp,
      bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    },
    mail,
  };
}
