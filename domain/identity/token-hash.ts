import { createHash } from 'node:crypto';

/** Tokens are stored and looked up only by their SHA-256, never in the clear. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
