import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { config } from '../../config';

/**
 * Uploaded MIS rosters (zips up to Lambda's 6 MB request payload through the
 * API). On the local stack they are files under the state directory
 * (`MIS_ROSTER_DIR`), at the same `mis/<trustId>/<nodeId>/<rosterId>.zip`
 * key they would have in the roster bucket.
 */
export const rosterKey = (trustId: string, nodeId: string, rosterId: string) => `mis/${trustId}/${nodeId}/${rosterId}.zip`;

function folder(): string {
  const dir = config().MIS_ROSTER_DIR;
  // The S3 bucket is not built yet (see README, MIS sync): without the local folder there is nowhere to keep a roster.
  if (!dir) throw new Error('Missing configuration: MIS_ROSTER_DIR (the roster store)');
  return dir;
}

export async function saveRoster(trustId: string, nodeId: string, rosterId: string, zip: Uint8Array): Promise<void> {
  const file = join(folder(), rosterKey(trustId, nodeId, rosterId));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, zip);
}

export async function loadRoster(trustId: string, nodeId: string, rosterId: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(join(folder(), rosterKey(trustId, nodeId, rosterId))));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
