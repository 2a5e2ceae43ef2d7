import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { openApiDocument } from './openapi';

/**
 * `servers` names the API that answered: API Gateway's (or the local
 * gateway's) host for this request, https except on a loopback host (the local
 * stack). `PUBLIC_API_URL` (the base of emailed links) names the same API in
 * AWS, but a request may come by either host. One document per host, built once per container.
 */
const documents = new Map<string, ReturnType<typeof openApiDocument>>();

export const serverUrl = (host: string) => `${/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? 'http' : 'https'}://${host}`;

export const handler = httpHandler({ auth: 'public' }, async ({ event }) => {
  const host = event.requestContext.domainName;
  let document = documents.get(host);
  if (!document) {
    document = openApiDocument(serverUrl(host));
    documents.set(host, document);
  }
  return json(200, document);
});
