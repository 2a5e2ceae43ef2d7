import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { config, localCredentials, required } from '../../config';
import { signLocalPath } from '../../shared/local-signed-url';

export interface StoredExport {
  url: string;
  expiresAt: string;
}

let s3: S3Client | undefined;

/**
 * Puts a large export where its owner can download it for a few minutes
 * (EXPORT_URL_TTL_SECONDS): in AWS the exports bucket (encrypted, private,
 * objects expire after a day) and an S3 presigned GET; on the local stack a
 * folder under the state directory and a URL the local gateway checks the
 * same way (functions/shared/local-signed-url.ts).
 */
export async function storeExport(key: string, body: string, filename: string, contentType: string): Promise<StoredExport> {
  await putExportObject(key, body, filename, contentType);
  return presignExport(key, filename);
}

/** Puts an object in the exports bucket (locally: the folder standing in for it), without a link. */
export async function putExportObject(key: string, body: string, filename: string, contentType: string): Promise<void> {
  const { EXPORT_LOCAL_DIR } = config();
  if (EXPORT_LOCAL_DIR) {
    const file = join(EXPORT_LOCAL_DIR, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    return;
  }
  await client().send(new PutObjectCommand({ Bucket: required('EXPORT_BUCKET'), Key: key, Body: body, ContentType: contentType, ContentDisposition: disposition(filename) }));
}

/** A fresh download link of a stored object, valid EXPORT_URL_TTL_SECONDS (S3 presigned GET; locally the gateway's signed stand-in). */
export async function presignExport(key: string, filename: string): Promise<StoredExport> {
  const { EXPORT_LOCAL_DIR, EXPORT_URL_TTL_SECONDS, PUBLIC_API_URL } = config();
  const expiresAt = Math.floor(Date.now() / 1000) + EXPORT_URL_TTL_SECONDS;
  if (EXPORT_LOCAL_DIR) {
    const path = signLocalPath(`/_local/exports/${key}`, expiresAt, required('EXPORT_LOCAL_SECRET'));
    return { url: new URL(path, config().EXPORT_LOCAL_URL ?? PUBLIC_API_URL).href, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
  const command = new GetObjectCommand({ Bucket: required('EXPORT_BUCKET'), Key: key, ResponseContentDisposition: disposition(filename) });
  const url = await getSignedUrl(client(), command, { expiresIn: EXPORT_URL_TTL_SECONDS });
  return { url, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

const disposition = (filename: string) => `attachment; filename="${filename}"`;

function client(): S3Client {
  s3 ??= new S3Client({ region: config().AWS_REGION, credentials: localCredentials(undefined) });
  return s3;
}
