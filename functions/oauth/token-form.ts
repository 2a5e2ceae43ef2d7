/**
 * The form of POST /oauth2/token (RFC 6749 §4.4.2), checked by the function
 * itself so that it answers RFC 6749 §5.2 errors rather than problem
 * documents; the route table's tokenRequestSchema documents the same rules
 * from these constants (no zod here: the token function stays small).
 */
export const GRANT_TYPE = 'client_credentials';
export const SCOPE_MAX_LENGTH = 1000;
/** RFC 6749 §3.3: scope tokens of %x21 / %x23-5B / %x5D-7E separated by single spaces; empty or absent asks for the client's own scopes. */
export const SCOPE_FORMAT = /^(?:[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*)?$/;

export type TokenFormResult =
  | { grantType: string; scope?: string }
  | { error: 'invalid_request' | 'unsupported_grant_type' | 'invalid_scope'; description: string };

export function checkTokenForm(form: Record<string, unknown>): TokenFormResult {
  const grantType = typeof form.grant_type === 'string' ? form.grant_type : undefined;
  if (!grantType) return { error: 'invalid_request', description: 'grant_type is required (form-encoded)' };
  if (grantType !== GRANT_TYPE) return { error: 'unsupported_grant_type', description: 'Only client_credentials is supported' };
  const scope = typeof form.scope === 'string' ? form.scope : undefined;
  if (scope !== undefined && (scope.length > SCOPE_MAX_LENGTH || !SCOPE_FORMAT.test(scope))) {
    return { error: 'invalid_scope', description: `scope is scope names separated by single spaces, at most ${SCOPE_MAX_LENGTH} characters` };
  }
  return { grantType, ...(scope ? { scope } : {}) };
}
