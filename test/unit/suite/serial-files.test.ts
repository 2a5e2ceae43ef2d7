import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERIAL_FILES, TRUST_WIDE_JOB, TRUST_WIDE_JOB_FILES } from '../../support/serial-files';

const root = path.resolve(import.meta.dirname, '../../..');
const testFiles = (readdirSync(path.join(root, 'test'), { recursive: true }) as string[])
  .filter((file) => file.endsWith('.test.ts'))
  // The stack's files only: unit and infra files run no job (infra names handler paths as strings).
  .filter((file) => !file.startsWith('unit') && !file.startsWith('infra'))
  .map((file) => `test/${file.split(path.sep).join('/')}`);

/**
 * The stack's files run two at a time; a file that runs a job walking every
 * trust must run alone (test/support/serial-files.ts), or a neighbour's
 * emails and schedules would be sent, or counted, by its run.
 */
describe('test files that run a trust-wide job run one at a time', () => {
  it('lists every file that runs one', () => {
    const running = testFiles.filter((file) => TRUST_WIDE_JOB.test(readFileSync(path.join(root, file), 'utf8'))).sort();
    expect(running.length).toBeGreaterThan(0);
    expect([...TRUST_WIDE_JOB_FILES].sort()).toEqual(running);
  });

  it('lists only files that exist', () => {
    expect(SERIAL_FILES.filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
  });
});
