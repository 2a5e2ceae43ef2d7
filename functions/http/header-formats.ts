/**
 * The request headers' formats, one place for the checks and /openapi.json
 * (functions/docs/openapi.ts), which states them as patterns.
 */

/** If-Match: a version number, `3`, `"3"` or `W/"3"` (after trimming); `*` is refused (functions/http/responses.ts requireIfMatch). */
export const IF_MATCH_VERSION = /^(?:W\/)?"?(\d{1,12})"?$/;

/** Idempotency-Key: a key the client chose, visible ASCII, as the IETF Idempotency-Key draft's examples (UUIDs, ULIDs). */
export const IDEMPOTENCY_KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
