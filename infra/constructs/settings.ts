import type { Construct } from 'constructs';
import { checkSetting, CONTEXT_SETTINGS } from '../../functions/config';

/**
 * Deployment settings, read once from CDK context (cdk.json, or `-c key=value`
 * on the command line) and validated, so a typo fails the synth instead of
 * deploying a pool that mails from the wrong address.
 */
export interface DeploymentSettings {
  /** Short environment name, part of every stack and pool name (`dev`, `prod`). */
  stage: string;
  /** The address SES sends from; the identity the stack verifies. */
  sesSender: string;
  /**
   * The trust's web app: the API's CORS origin, and where the "Sign in" link of notification emails goes. Never the
   * base of links to the API's own pages (review H, H-3): those are built on the API's public URL (`apiDomain`).
   */
  appUrl: string;
  /**
   * The API's custom domain (context `apiDomainName` + `certificateArn`, both or neither): the emailed links and the
   * token endpoint are built on `https://<name>`. Without it they are built on the HTTP API's execute-api endpoint.
   */
  apiDomain?: { name: string; certificateArn: string };
  /** IANA time zone the scheduled jobs' cron expressions are read in. */
  scheduleTimeZone: string;
  /** Review H, H-2: an address subscribed to the alarm topic (context `alarmEmail`); none when unset. */
  alarmEmail?: string;
  /**
   * Review H, H-7: the domain SES verifies (context `sesDomain`) with Easy DKIM, instead of the one sender address;
   * sesSender must be in it. The stateful stack outputs the three DKIM CNAME records to add to the domain's DNS.
   */
  sesDomain?: string;
  /**
   * Function settings set from context (`invitationTtlDays`, `resetTtlMinutes`, `integrationRequestsPerWindow`,
   * `integrationRateWindowSeconds`: functions/config.ts CONTEXT_SETTINGS), as the environment variables every
   * function gets; a setting not given keeps the functions' default.
   */
  functionEnvironment: Record<string, string>;
}

/** Context key the infra tests set to swap esbuild bundling for an inline stub. Never set it for a deployment. */
export const STUB_FUNCTION_CODE_CONTEXT = 'trust-access:stubFunctionCode';

const STAGE = /^[a-z][a-z0-9-]{0,15}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

export function readSettings(scope: Construct): DeploymentSettings {
  const get = (key: string, fallback: string): string => {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value !== 'string') throw new Error(`Context "${key}" must be a string, got ${JSON.stringify(value)}`);
    return value;
  };

  const stage = get('stage', 'dev');
  if (!STAGE.test(stage)) throw new Error(`Context "stage" must match ${STAGE}, got "${stage}"`);

  const sesSender = get('sesSender', 'no-reply@example.org');
  if (!EMAIL.test(sesSender)) throw new Error(`Context "sesSender" must be an email address, got "${sesSender}"`);

  const appUrl = get('appUrl', 'https://app.example.org').replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(appUrl);
  } catch {
    throw new Error(`Context "appUrl" must be an absolute URL, got "${appUrl}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.hostname !== 'localhost') {
    throw new Error(`Context "appUrl" must use https, got "${appUrl}"`);
  }

  const scheduleTimeZone = get('scheduleTimeZone', 'Europe/London');

  // Review H, H-2.
  const alarmEmail = get('alarmEmail', '') || undefined;
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) throw new Error(`Context "alarmEmail" must be an email address, got "${alarmEmail}"`);

  // Review H, H-7.
  const sesDomain = get('sesDomain', '').toLowerCase().replace(/\.$/, '') || undefined;
  if (sesDomain !== undefined) {
    if (!DOMAIN.test(sesDomain)) throw new Error(`Context "sesDomain" must be a domain name, got "${sesDomain}"`);
    const senderDomain = sesSender.slice(sesSender.lastIndexOf('@') + 1).toLowerCase();
    if (senderDomain !== sesDomain && !senderDomain.endsWith(`.${sesDomain}`)) {
      throw new Error(`Context "sesSender" (${sesSender}) must be an address in "sesDomain" (${sesDomain})`);
    }
  }

  // Review H, H-10: cdk.json's placeholders must not reach production.
  if (stage === 'prod') {
    for (const [key, host] of [['sesSender', sesSender.slice(sesSender.lastIndexOf('@') + 1)], ['appUrl', parsed.hostname]] as const) {
      if (/(^|\.)example\.(org|com|net)$/i.test(host)) throw new Error(`Context "${key}" is still the placeholder ${host}: set it for stage prod (-c ${key}=...)`);
    }
  }

  const apiDomainName = get('apiDomainName', '').toLowerCase();
  const certificateArn = get('certificateArn', '');
  if (Boolean(apiDomainName) !== Boolean(certificateArn)) {
    throw new Error('Context "apiDomainName" and "certificateArn" go together: give both (the API\'s custom domain) or neither (the execute-api endpoint)');
  }
  if (apiDomainName && !DOMAIN.test(apiDomainName)) throw new Error(`Context "apiDomainName" must be a host name such as api.your-trust.org, got "${apiDomainName}"`);
  if (certificateArn && !CERTIFICATE_ARN.test(certificateArn)) throw new Error(`Context "certificateArn" must be an ACM certificate ARN, got "${certificateArn}"`);
  const apiDomain = apiDomainName ? { name: apiDomainName, certificateArn } : undefined;

  const functionEnvironment: Record<string, string> = {};
  for (const [key, variable] of Object.entries(CONTEXT_SETTINGS)) {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`Context "${key}" must be a whole number, got ${JSON.stringify(value)}`);
    const problem = checkSetting(variable, String(value));
    if (problem) throw new Error(`Context "${key}" is not a value the functions accept (${variable}): ${problem}; got ${JSON.stringify(value)}`);
    functionEnvironment[variable] = String(value);
  }

  return { stage, sesSender, appUrl, scheduleTimeZone, functionEnvironment, ...(apiDomain ? { apiDomain } : {}), ...(alarmEmail ? { alarmEmail } : {}), ...(sesDomain ? { sesDomain } : {}) };
}
