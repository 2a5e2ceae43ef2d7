/**
 * `npm start`: the whole service on this machine (DynamoDB Local, cognito-local,
 * aws-ses-v2-local and the local gateway), seeded with a demo trust.
 */
import { startLocalStack } from './stack';

const env = process.env;
// The SDK warns that future releases need Node 22; Lambda runs 22, this machine may run 20.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
const startedAt = Date.now();

const stack = await startLocalStack({
  stateDir: env.LOCAL_STATE_DIR ?? '.local',
  port: port('PORT', 3000),
  dynamoPort: port('DYNAMODB_PORT', 8000),
  cognitoPort: port('COGNITO_PORT', 9229),
  sesPort: port('SES_PORT', 8005),
  region: env.AWS_REGION ?? 'eu-west-2',
  tableName: env.TABLE_NAME ?? 'trust-access',
  appUrl: env.APP_URL,
  publicApiUrl: env.PUBLIC_API_URL,
  demoAdminPassword: env.DEMO_ADMIN_PASSWORD,
  // As EventBridge Scheduler does in AWS (the CDK's scheduleTimeZone); LOCAL_SCHEDULES=off leaves jobs to POST /_local/run/{job}.
  ...(env.LOCAL_SCHEDULES === 'off' ? {} : { schedules: { timeZone: env.SCHEDULE_TIME_ZONE ?? 'Europe/London' } }),
}).catch((error: unknown) => {
  console.error(`Local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const { info, demo } = stack;
console.log(`
Trust access platform — local stack ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s

  API            ${info.url}            (GET /health, GET /openapi.json)
  Mail           ${info.url}/_local/mail   (every email sent; web view ${info.sesEndpoint})
  DynamoDB Local ${info.dynamodbEndpoint}   table ${info.tableName}
  cognito-local  ${info.cognitoEndpoint}   pool ${info.userPoolId}
  State          ${env.LOCAL_STATE_DIR ?? '.local'} (delete it to start afresh)
  Jobs           ${env.LOCAL_SCHEDULES === 'off' ? 'only on POST /_local/run/{job}' : 'on their schedules, and on POST /_local/run/{job}[?at=<ISO time>]'}

  Demo login     ${demo.email} / ${demo.password}${demo.created ? '   (demo trust seeded just now)' : ''}
                 curl -s ${info.url}/auth/login -H 'content-type: application/json' \\
                   -d '{"email":"${demo.email}","password":"${demo.password}"}'
  Also (same password): ${demo.people.join(', ')}

Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack…`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
