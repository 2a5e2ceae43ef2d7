/**
 * Reads a Secrets Manager secret through the AWS Parameters and Secrets Lambda
 * Extension (review H, H-13): a layer on the function that listens on
 * localhost, calls GetSecretValue with the function's own role, and answers
 * the secret as JSON. Plain `fetch`, no SDK client in the bundle (issue 8).
 * Which secrets are read this way, and when, is functions/config.ts's
 * decision (`SECRETS_FROM`); this module only speaks the extension's protocol.
 */

export interface ExtensionSettings {
  /** The extension's port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, 2773 unless the layer is configured otherwise). */
  port: number;
  /** The function's AWS_SESSION_TOKEN: the extension refuses a request without it (so nothing else on the host can ask). */
  sessionToken: string | undefined;
  /** How long one read may take, body included. */
  timeoutMs: number;
}

/** A secret could not be read: the caller fails closed (nothing is signed or accepted without its key). */
export class SecretUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

/** The secret's SecretString; throws SecretUnavailableError on any other answer (the message never carries a secret). */
export async function readFromExtension(secretId: string, settings: ExtensionSettings): Promise<string> {
  if (!settings.sessionToken) throw new SecretUnavailableError(`Cannot read secret ${secretId}: no AWS_SESSION_TOKEN for the extension`);
  const url = `http://localhost:${settings.port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  let text: string;
  try {
    const response = await fetch(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': settings.sessionToken },
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new SecretUnavailableError(`Cannot read secret ${secretId}: the extension answered ${response.status}`);
    }
    text = await response.text();
  } catch (error) {
    if (error instanceof SecretUnavailableError) throw error;
    // A timeout (TimeoutError) or no extension listening (TypeError, its cause ECONNREFUSED).
    throw new SecretUnavailableError(`Cannot read secret ${secretId}: ${error instanceof Error ? error.name : 'failed'}`, { cause: error });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which may hold the secret.
    throw new SecretUnavailableError(`Cannot read secret ${secretId}: the answer is not JSON`);
  }
  const value = (body as { SecretString?: unknown } | null)?.SecretString;
  if (typeof value !== 'string' || value.length === 0) throw new SecretUnavailableError(`Cannot read secret ${secretId}: no SecretString in the answer`);
  return value;
}
