/**
 * `npm run trust:create -- --name "Oak Trust" --admin-email it@oak.example [--admin-password …]`
 *
 * Bootstraps a tenant: its trust node and first admin account. Against the
 * local stack (default: reads `${LOCAL_STATE_DIR:-.local}/stack.json`, so
 * `npm start` must be running) or, when TABLE_NAME and USER_POOL_ID are set,
 * against a deployed stack with the usual AWS credentials.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { passwordViolations } from '../../domain/identity/password-policy';
import { commonPasswords } from '../../functions/adapters/common-passwords';
import type { StackInfo } from '../local/stack';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    'admin-email': { type: 'string' },
    'admin-first-name': { type: 'string', default: 'Trust' },
    'admin-last-name': { type: 'string', default: 'Admin' },
    'admin-password': { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`trust:create: ${message}`);
  process.exit(2);
}

const env = process.env;
const name = values.name?.trim() || fail('--name is required');
const adminEmail = values['admin-email']?.trim() || fail('--admin-email is required');
const generated = !values['admin-password'] && !env.TRUST_ADMIN_PASSWORD;
const password = values['admin-password'] ?? env.TRUST_ADMIN_PASSWORD ?? `Tr-${randomBytes(12).toString('base64url')}9a`;
const broken = passwordViolations(password, await commonPasswords());
if (broken.length) fail(`the admin password needs ${broken.join(', ')}`);

let target: string;
if (env.TABLE_NAME && env.USER_POOL_ID) {
  target = `deployed stack (table ${env.TABLE_NAME}, pool ${env.USER_POOL_ID})`;
} else {
  const file = join(env.LOCAL_STATE_DIR ?? '.local', 'stack.json');
  if (!existsSync(file)) fail(`no local stack found at ${file}: run "npm start" first, or set TABLE_NAME and USER_POOL_ID for a deployed stack`);
  const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  Object.assign(env, {
    TABLE_NAME: info.tableName, USER_POOL_ID: info.userPoolId, AWS_REGION: info.region,
    DYNAMODB_ENDPOINT: info.dynamodbEndpoint, COGNITO_ENDPOINT: info.cognitoEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  target = `local stack at ${info.url}`;
}

const { createTrust } = await import('../../functions/trusts/create-trust');
try {
  const plan = await createTrust({
    name, adminEmail, adminFirstName: values['admin-first-name']!, adminLastName: values['admin-last-name']!, adminPassword: password,
  });
  console.log(`Created trust "${plan.trust.name}" (${plan.trust.id}) on the ${target}.`);
  console.log(`Admin: ${plan.admin.email}${generated ? ` / ${password}  (generated: pass it on securely)` : ''}`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
