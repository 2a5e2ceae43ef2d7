/**
 * `npm run migrate:directory`: the deploy step for a table that holds people
 * from before the directory (see infra/scripts/directory-backfill.ts). Safe
 * to run again, and while the service runs. Against the local stack (reads
 * `${LOCAL_STATE_DIR:-.local}/stack.json`; `npm start` must be running) or,
 * when TABLE_NAME is set, against a deployed table with the usual AWS
 * credentials (after the stack with gsi3 is deployed).
 */
import { targetTable } from './target-table';

targetTable('migrate:directory');

const { backfillDirectory } = await import('./directory-backfill');
await backfillDirectory({ log: (line) => console.log(line) });
