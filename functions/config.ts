import { z } from 'zod';

/**
 * Every setting the functions read, validated once. No other file under
 * functions/ or domain/ reads process.env.
 */
const schema = z.object({
  TABLE_NAME: z.string().min(1),
  USER_POOL_ID: z.string().min(1),
  /** Needed by the sign-in functions only (bootstrap scripts run without them). */
  USER_POOL_CLIENT_ID: z.string().min(1).optional(),
  USER_POOL_CLIENT_SECRET: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).default('eu-west-2'),
  SES_SENDER: z.string().min(3).default('no-reply@example.org'),
  SES_CONFIGURATION_SET: z.string().optional(),
  APP_URL: z.string().url().default('http://localhost:3000'),
  /** Emulator endpoints; unset in AWS. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  COGNITO_ENDPOINT: z.string().url().optional(),
  SES_ENDPOINT: z.string().url().optional(),
  REFRESH_TOKEN_VALIDITY_DAYS: z.coerce.number().int().positive().default(30),
  INVITATION_TTL_DAYS: z.coerce.number().int().positive().max(30).default(7),
  RESET_TTL_MINUTES: z.coerce.number().int().positive().max(1440).default(60),
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
