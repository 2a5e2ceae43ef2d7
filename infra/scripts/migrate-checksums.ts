/**
 * `npm run migrate:checksums`: the deploy step for a table whose node and role
 * items predate the holder checksums (see infra/scripts/checksum-backfill.ts).
 * Safe to run again, and while the service runs. Against the local stack
 * (reads `${LOCAL_STATE_DIR:-.local}/stack.json`; `npm start` must be running)
 * or, when TABLE_NAME is set, against a deployed table with the usual AWS credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackInfo } from '../local/stack';

const env = process.env;
if (!env.TABLE_NAME) {
  const file = join(env.LOCAL_STATE_DIR ?? '.local', 'stack.json');
  if (!existsSync(file)) {
    console.error(`migrate:checksums: no local stack found at ${file}: run "npm start" first, or set TABLE_NAME for a deployed table`);
    process.exit(2);
  }
  const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  Object.assign(env, {
    TABLE_NAME: info.tableName, USER_POOL_ID: info.userPoolId, AWS_REGION: info.region, DYNAMODB_ENDPOINT: info.dynamodbEndpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}
env.USER_POOL_ID ??= 'not-used-by-the-migration';

const { backfillChecksums } = await import('./checksum-backfill');
const result = await backfillChecksums({ log: (line) => console.log(line) });
console.log(JSON.stringify(result));
if (result.left > 0) process.exit(1);
