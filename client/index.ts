import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };
export type Schemas = components['schemas'];

/**
 * A typed client for the trust access API (openapi-fetch over the types
 * `npm run client` generates from /openapi.json): paths, parameters, bodies
 * and every documented answer are checked by the compiler.
 *
 *   const api = createTrustAccessClient('https://api.example.org');
 *   const { data } = await api.POST('/auth/login', { body: { email, password } });
 *   api.signIn(data.accessToken);
 *   const { data: tree } = await api.GET('/nodes');
 *
 * An `error` is a problem document (`isProblem(error)`: `error.code`) or, when
 * API Gateway answered by itself, `{ message }` ("Unauthorized": sign in again).
 */
export interface TrustAccessClient extends Client<paths> {
  /** Sends `Authorization: Bearer <accessToken>` on every later request (undefined: none). */
  signIn(accessToken: string | undefined): void;
}

/** A problem document (what the functions answer), not API Gateway's own `{"message": "..."}` (401, 403, 429, 500; review H, H-4). */
export function isProblem(error: unknown): error is Schemas['Problem'] {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { status?: unknown }).status === 'number';
}

export function createTrustAccessClient(baseUrl: string, options: { fetch?: typeof fetch; middleware?: Middleware[] } = {}): TrustAccessClient {
  const client = createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  let token: string | undefined;
  client.use({
    onRequest({ request }) {
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  for (const middleware of options.middleware ?? []) client.use(middleware);
  return Object.assign(client, { signIn: (accessToken: string | undefined) => void (token = accessToken) });
}
