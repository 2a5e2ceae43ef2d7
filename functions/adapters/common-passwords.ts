import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { CommonPasswords } from '../../domain/identity/password-policy';

/**
 * The common-password list lives beside a function's bundle, not in it: it is
 * ~480 KB of JSON, more than the whole DynamoDB client, and only the four
 * functions that set a password use it, only when a password is set. `cdk
 * synth` copies it next to their `index.mjs` (infra/constructs/service-function.ts,
 * `commonPasswords`); from source (tests, `npm start`, scripts) it is read
 * from the package itself. Either way it is the same file, read once per
 * container on the first check.
 */
export const COMMON_PASSWORDS_FILE = 'common-passwords.json';

/** The list @zxcvbn-ts/language-common ships: a JSON array of passwords seen in breaches, most common first. */
export const COMMON_PASSWORDS_SOURCE = '@zxcvbn-ts/language-common/src/passwords.json';

/** Fewer entries than this is a broken copy, not a list: refuse to check passwords against it. */
const MIN_ENTRIES = 10_000;

let loading: Promise<CommonPasswords> | undefined;

/** The lower-cased list, loaded on the first call. A missing or damaged file throws (a password is never accepted unchecked). */
export function commonPasswords(): Promise<CommonPasswords> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Where the list is: beside the bundle when deployed, else the package's own copy. */
export function commonPasswordsPath(): string {
  const beside = fileURLToPath(new URL(`./${COMMON_PASSWORDS_FILE}`, import.meta.url));
  if (existsSync(beside)) return beside;
  try {
    return createRequire(import.meta.url).resolve(COMMON_PASSWORDS_SOURCE);
  } catch {
    throw new Error(`common-passwords: neither ${beside} nor ${COMMON_PASSWORDS_SOURCE} exists; a function that sets passwords must be built with commonPasswords (functions/routes.ts)`);
  }
}

async function load(): Promise<CommonPasswords> {
  const list: unknown = JSON.parse(await readFile(commonPasswordsPath(), 'utf8'));
  if (!Array.isArray(list) || list.length < MIN_ENTRIES || !list.every((entry) => typeof entry === 'string')) {
    throw new Error(`common-passwords: ${COMMON_PASSWORDS_FILE} is not a list of at least ${MIN_ENTRIES} passwords`);
  }
  return new Set(list.map((password) => password.toLowerCase()));
}
