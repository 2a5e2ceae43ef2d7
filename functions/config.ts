import { readFromExtension, SecretUnavailableError, type ExtensionSettings } from './adapters/secrets-extension';
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
  /** The app client's secret, with SECRETS_FROM=environment (the local stack); read by `secret()` only. */
  USER_POOL_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  /**
   * Where `secret()` reads the app client's secret and the link-signing key (review H, H-13): `environment`
   * (the local stack, tests, scripts: USER_POOL_CLIENT_SECRET and LINK_SIGNING_KEY) or `secrets-manager`
   * (AWS: the secrets whose ARNs are in *_SECRET_ARN, through the Parameters and Secrets extension; the
   * values are never in the function's configuration).
   */
  // A checked string, not z.enum: that would add zod's enum schema (~0.8 KB) to every bundle.
  SECRETS_FROM: z._default(z.string().check(z.regex(/^(environment|secrets-manager)$/)), 'environment'),
  USER_POOL_CLIENT_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  LINK_SIGNING_KEY_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Set by Lambda; the extension asks for it in a header. */
  AWS_SESSION_TOKEN: z.optional(z.string()),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z._default(positiveInt(), 2773),
  /** How long one read of a secret through the extension may take (it answers from its cache after the first). */
  SECRET_READ_TIMEOUT_MS: z._default(positiveInt().check(z.lte(10_000)), 2000),
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
  /** HMAC key of the emailed links (unsubscribe, report files), with SECRETS_FROM=environment; read by `secret()` only. */
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

/**
 * The function settings a deployment may set from CDK context (context key →
 * variable): link lifetimes and the integration clients' default rate. The
 * CDK checks each value with this module's own schema (checkSetting), so a
 * value a function would refuse at its first request fails the synth instead.
 */
export const CONTEXT_SETTINGS = {
  invitationTtlDays: 'INVITATION_TTL_DAYS',
  resetTtlMinutes: 'RESET_TTL_MINUTES',
  integrationRequestsPerWindow: 'INTEGRATION_REQUESTS_PER_WINDOW',
  integrationRateWindowSeconds: 'INTEGRATION_RATE_WINDOW_SECONDS',
} as const satisfies Record<string, keyof Config>;

/** What the functions' schema says of `value` for setting `name`: undefined when it would be accepted. */
export function checkSetting(name: (typeof CONTEXT_SETTINGS)[keyof typeof CONTEXT_SETTINGS], value: string): string | undefined {
  const result = z.safeParse(schema.shape[name], value);
  return result.success ? undefined : result.error.issues.map((i) => i.message).join('; ');
}

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

/** The secrets some functions need (review H, H-13). */
export type SecretName = 'USER_POOL_CLIENT_SECRET' | 'LINK_SIGNING_KEY';

/** Plain data (no schema built at module load), so a bundle that never reads a secret drops it. */
const SECRETS = {
  USER_POOL_CLIENT_SECRET: { arn: 'USER_POOL_CLIENT_SECRET_ARN', minLength: 1 },
  // A link is never signed or checked with a short key, wherever it comes from.
  LINK_SIGNING_KEY: { arn: 'LINK_SIGNING_KEY_SECRET_ARN', minLength: 32 },
} as const satisfies Record<SecretName, { arn: keyof Config; minLength: number }>;

export type SecretSettings = Pick<Config, 'SECRETS_FROM' | SecretName | (typeof SECRETS)[SecretName]['arn']>;

/**
 * A reader of the secrets from the source `settings.SECRETS_FROM` names, each
 * read once per container and kept (a failed read is not kept: the next call
 * tries again). Fails closed: a missing, unreadable or too short value throws
 * SecretUnavailableError, and a request that needs it answers 500 (logged),
 * never signs or accepts anything without it.
 */
export function secretReader(settings: SecretSettings, extension: ExtensionSettings, read = readFromExtension): (name: SecretName) => Promise<string> {
  const cache = new Map<SecretName, Promise<string>>();
  const load = async (name: SecretName): Promise<string> => {
    const { arn, minLength } = SECRETS[name];
    let value: string | undefined;
    if (settings.SECRETS_FROM !== 'secrets-manager') {
      value = settings[name];
    } else {
      const secretId = settings[arn];
      if (!secretId) throw new SecretUnavailableError(`Missing configuration ${arn}`);
      value = await read(secretId, extension);
    }
    if (typeof value !== 'string' || value.length < minLength) throw new SecretUnavailableError(`${name} is ${value === undefined ? 'not set' : 'not a valid value'} (SECRETS_FROM=${settings.SECRETS_FROM})`);
    return value;
  };
  return (name) => {
    let pending = cache.get(name);
    if (!pending) {
      pending = load(name);
      cache.set(name, pending);
      pending.catch(() => cache.delete(name));
    }
    return pending;
  };
}

let secrets: ((name: SecretName) => Promise<string>) | undefined;

/** The app client's secret or the link-signing key, from where the configuration says (SECRETS_FROM). */
export function secret(name: SecretName): Promise<string> {
  if (!secrets) {
    const c = config();
    secrets = secretReader(c, { port: c.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, sessionToken: c.AWS_SESSION_TOKEN, timeoutMs: c.SECRET_READ_TIMEOUT_MS });
  }
  return secrets(name);
}
