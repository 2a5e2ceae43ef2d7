/**
 * `npm run migrate:checksums`: the deploy step for a table whose node and role
 * items predate the holder checksums (see infra/scripts/checksum-backfill.ts).
 * Safe to run again, and while the service runs. Against the local stack
 * (reads `${LOCAL_STATE_DIR:-.local}/stack.json`; `npm start` must be running)
 * or, when TABLE_NAME is set, against a deployed table with the usual AWS credentials.
 */
import { targetTable } from './target-table';

targetTable('migrate:checksums');

const { backfillChecksums } = await import('./checksum-backfill');
const result = await backfillChecksums({ log: (line) => console.log(line) });
console.log(JSON.stringify(result));
if (result.left > 0) process.exit(1);
