import * as z from './shared/zod';

/**
 * Every setting the functions read, validated once. No other file under
 * functions/ or domain/ reads process.env.
 */
const url = () => z.string().check(z.url());
const positiveInt = () => z.coerce.number().check(z.int(), z.positive());

const schema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  USER_POOL_ID: z.string().check(z.minLength(1)),
  /** Needed by the sign-in functions only (bootstrap scripts run without them). */
  USER_POOL_CLIENT_ID: z.optional(z.string().check(z.minLength(1))),
  USER_POOL_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'eu-west-2'),
  SES_SENDER: z._default(z.string().check(z.minLength(3)), 'no-reply@example.org'),
  SES_CONFIGURATION_SET: z.optional(z.string()),
  /**
   * The API's own public base URL (review H, H-3): every emailed link to an API page (invitation, reset,
   * unsubscribe and its one-click POST, report files) and the integrations' token endpoint are built on it.
   * AWS: the custom domain (`apiDomainName`) or the HTTP API's execute-api endpoint; locally the gateway's URL.
   */
  PUBLIC_API_URL: z._default(url(), 'http://localhost:3000'),
  /** The trust's web app (the CDK's `appUrl`, also the CORS origin): only the "Sign in" link of notification emails goes there. */
  APP_URL: z._default(url(), 'http://localhost:3000'),
  /** HMAC key of the unsubscribe links in notification emails (functions that send or honour them). */
  LINK_SIGNING_KEY: z.optional(z.string().check(z.minLength(32))),
  /** Emulator endpoints; unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(url()),
  COGNITO_ENDPOINT: z.optional(url()),
  SES_ENDPOINT: z.optional(url()),
  REFRESH_TOKEN_VALIDITY_DAYS: z._default(positiveInt(), 30),
  /** The CSV import's job queue: an SQS URL in AWS, `local:imports` on the local stack (an in-process queue). */
  IMPORT_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** The queue of notification events with someone to email at once (the notify worker). */
  NOTIFY_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  MIS_RUN_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** Where uploaded MIS rosters are kept on the local stack (a folder); in AWS the roster bucket. */
  MIS_ROSTER_DIR: z.optional(z.string().check(z.minLength(1))),
  /** The roster bucket (AWS): uploads and drops under mis/<trustId>/<nodeId>/ (functions that store or read rosters). */
  ROSTER_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** The queue of the roster bucket's object-created events (S3 sends to it; set for completeness of the queue table). */
  MIS_ROSTER_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** The queue of SES's bounce and complaint events (SNS sends them; set for completeness of the queue table). */
  EMAIL_EVENTS_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  SQS_ENDPOINT: z.optional(url()),
  INVITATION_TTL_DAYS: z._default(positiveInt().check(z.lte(30)), 7),
  RESET_TTL_MINUTES: z._default(positiveInt().check(z.lte(1440)), 60),
  // Integration clients (issue 11).
  /** The user pool's token endpoint POST /oauth2/token forwards to (AWS: the pool's domain; locally: the local stack's). */
  OAUTH_TOKEN_URL: z.optional(url()),
  /** Requests a client may make per rate window unless it was created with its own limit. */
  INTEGRATION_REQUESTS_PER_WINDOW: z._default(positiveInt().check(z.lte(100_000)), 600),
  /** The fixed rate window of integration clients, in seconds. */
  INTEGRATION_RATE_WINDOW_SECONDS: z._default(positiveInt().check(z.lte(3600)), 60),
  // Issue 9: the directory cache (functions/users/directory.ts).
  /** How far back each refresh of the directory cache re-reads: longer than any write takes from stamping changedAt to commit, plus clock skew and index lag. */
  DIRECTORY_OVERLAP_SECONDS: z._default(positiveInt().check(z.lte(3600)), 60),
  /** How many trusts' directories one container keeps (least recently used dropped). */
  DIRECTORY_CACHE_TRUSTS: z._default(positiveInt().check(z.lte(100)), 4),
  // Issue 9: GET /users/export.csv.
  /** Above this many bytes the export is stored and answered with a short-lived download link (Lambda answers at most 6 MB). */
  EXPORT_INLINE_MAX_BYTES: z._default(positiveInt().check(z.lte(5_500_000)), 4_000_000),
  /** How long a stored export's download link works. */
  EXPORT_URL_TTL_SECONDS: z._default(positiveInt().check(z.lte(3600)), 300),
  /** The exports bucket (AWS). */
  EXPORT_BUCKET: z.optional(z.string().check(z.minLength(3))),
  /** Local stack only: the folder standing in for the bucket, the key its links are signed with, and the gateway's URL. */
  EXPORT_LOCAL_DIR: z.optional(z.string().check(z.minLength(1))),
  EXPORT_LOCAL_SECRET: z.optional(z.string().check(z.minLength(16))),
  EXPORT_LOCAL_URL: z.optional(url()),
  // Review E, E4: scheduled reports.
  /** Above this many bytes of CSV a scheduled report is stored and emailed as a link (SES refuses messages over 10 MB; base64 adds a third). Tests lower it. */
  REPORT_ATTACHMENT_MAX_BYTES: z._default(positiveInt().check(z.lte(7_000_000)), 7_000_000),
});

export type Config = z.infer<typeof schema>;

let cached: Config | undefined;

export function config(): Config {
  cached ??= schema.parse(process.env);
  return cached;
}

/** Credentials for the emulators, which accept any. Undefined in AWS. */
export function localCredentials(endpoint: string | undefined) {
  return endpoint ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
}

/** A setting some functions need and others do not; missing it is a deployment bug. */
export function required<K extends keyof Config>(key: K): NonNullable<Config[K]> {
  const value = config()[key];
  if (value === undefined || value === null) throw new Error(`Missing configuration ${String(key)}`);
  return value as NonNullable<Config[K]>;
}

/** An absolute URL on the API itself (`apiUrl('/invite?token=…')`): emailed links and the token endpoint (review H, H-3). */
export function apiUrl(pathAndQuery: string): string {
  return `${config().PUBLIC_API_URL.replace(/\/+$/, '')}${pathAndQuery}`;
}
