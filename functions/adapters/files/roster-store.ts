import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rosterKey } from '../../../domain/mis/roster-key';
import { config, required } from '../../config';

export { rosterKey };

/**
 * MIS rosters, at `mis/<trustId>/<nodeId>/<rosterId>.zip`: in AWS the roster
 * bucket (`ROSTER_BUCKET`: encrypted, private, TLS only, objects expire after
 * 30 days), where a trust's MIS connector may also drop them; on the local
 * stack, which has no S3, a folder under the state directory
 * (`MIS_ROSTER_DIR`) at the same key. Only the functions that store or read a
 * roster import this module (and so bundle the S3 client).
 */
let s3: S3Client | undefined;
const client = () => (s3 ??= new S3Client({ region: config().AWS_REGION }));

export async function saveRoster(trustId: string, nodeId: string, rosterId: string, zip: Uint8Array): Promise<void> {
  const key = rosterKey(trustId, nodeId, rosterId);
  const dir = config().MIS_ROSTER_DIR;
  if (dir) {
    const file = join(dir, key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, zip);
    return;
  }
  await client().send(new PutObjectCommand({ Bucket: required('ROSTER_BUCKET'), Key: key, Body: zip, ContentType: 'application/zip' }));
}

/** The roster's bytes, or undefined when there is none at that key (never stored, or expired). */
export async function loadRoster(trustId: string, nodeId: string, rosterId: string): Promise<Uint8Array | undefined> {
  const key = rosterKey(trustId, nodeId, rosterId);
  const dir = config().MIS_ROSTER_DIR;
  if (dir) {
    try {
      return new Uint8Array(await readFile(join(dir, key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
  try {
    const { Body } = await client().send(new GetObjectCommand({ Bucket: required('ROSTER_BUCKET'), Key: key }));
    return Body ? await Body.transformToByteArray() : undefined;
  } catch (error) {
    // Without s3:ListBucket (not granted) S3 answers a missing key with 403 AccessDenied rather than 404 NoSuchKey.
    if (error instanceof NoSuchKey || ['NoSuchKey', 'AccessDenied'].includes((error as { name?: string }).name ?? '')) return undefined;
    throw error;
  }
}
