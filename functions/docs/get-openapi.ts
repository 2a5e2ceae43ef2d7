import { httpHandler } from '../http/handler';
import { json } from '../http/responses';
import { openApiDocument } from './openapi';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = httpHandler({ auth: 'public' }, async () => {
  document ??= openApiDocument();
  return json(200, document);
});
