/**
 * Where a school's roster lives in the roster bucket (and, on the local
 * stack, under the folder standing in for it): `mis/<trustId>/<nodeId>/<rosterId>.zip`.
 * The API names its uploads with a UUID; a trust's MIS connector dropping
 * files under the school's prefix names them itself (`2026-12-01.zip`,
 * `roster.zip`), so a roster id is a file name: a letter or digit, then
 * letters, digits, `.`, `_`, `-`, at most 100.
 */
export const ROSTER_KEY_PREFIX = 'mis/';
export const ROSTER_KEY_SUFFIX = '.zip';
/** Rosters stay this long in the roster bucket (its lifecycle rule), and their upload records as long in the table (TTL). */
export const ROSTER_RETENTION_DAYS = 30;

export interface RosterKey {
  trustId: string;
  nodeId: string;
  rosterId: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ROSTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const rosterKey = (trustId: string, nodeId: string, rosterId: string) => `${ROSTER_KEY_PREFIX}${trustId}/${nodeId}/${rosterId}${ROSTER_KEY_SUFFIX}`;

/** The trust, school and roster id of a key, or undefined when the key is not exactly `mis/<trustId>/<nodeId>/<rosterId>.zip`. */
export function parseRosterKey(key: string): RosterKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || parts[0] !== 'mis') return undefined;
  const [, trustId, nodeId, file] = parts as [string, string, string, string];
  if (!file.endsWith(ROSTER_KEY_SUFFIX)) return undefined;
  const rosterId = file.slice(0, -ROSTER_KEY_SUFFIX.length);
  if (!ID.test(trustId) || !ID.test(nodeId) || !ROSTER_ID.test(rosterId)) return undefined;
  return { trustId, nodeId, rosterId };
}
