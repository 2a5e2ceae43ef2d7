import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackInfo } from '../local/stack';

/**
 * Points a migration script at its table: the deployed one when TABLE_NAME is
 * set (with the usual AWS credentials), else the local stack's
 * (`${LOCAL_STATE_DIR:-.local}/stack.json`; `npm start` must be running).
 * Exits 2, naming the script, when there is neither.
 */
export function targetTable(script: string): void {
  const env = process.env;
  if (!env.TABLE_NAME) {
    const file = join(env.LOCAL_STATE_DIR ?? '.local', 'stack.json');
    if (!existsSync(file)) {
      console.error(`${script}: no local stack found at ${file}: run "npm start" first, or set TABLE_NAME for a deployed table`);
      process.exit(2);
    }
    const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    Object.assign(env, {
      TABLE_NAME: info.tableName, USER_POOL_ID: info.userPoolId, AWS_REGION: info.region, DYNAMODB_ENDPOINT: info.dynamodbEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
  }
  env.USER_POOL_ID ??= 'not-used-by-the-migration';
}
