import { InvalidInputError } from '../../domain/errors';
import { httpHandler } from '../http/handler';
import { htmlPage, message } from '../pages/html';
import type { HttpResult } from '../http/responses';
import * as z from '../shared/zod';
import { checkUnsubscribe, signInToTurnOff, subjectOf, unsubscribe } from './unsubscribe';
import { unsubscribeQuerySchema as querySchema } from './unsubscribe.schema';

const TITLE = 'Stop these emails';

/**
 * RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` to
 * the link and gets 204. The page's own button posts the same with
 * `from=page` and gets a page saying it is done. A link that is not genuine
 * changes nothing (400 problem document), nor does a link of a category only
 * the person, signed in, may turn off (400 `sign_in_required`).
 */
export const handler = httpHandler({ auth: 'public', query: querySchema, body: z.record(z.string(), z.unknown()) }, async ({ query, body }): Promise<HttpResult> => {
  const fromPage = body?.from === 'page';
  // A token longer than any this service signs is a 400 naming query.token (the chain's schema).
  const token = query.token ?? '';
  const checked = token ? await checkUnsubscribe(token) : undefined;
  // The page's button only shows for a genuine link, so a refusal here is for a client or a tampered form: a problem document.
  if (!checked) throw new InvalidInputError('invalid_token', 'This unsubscribe link is not valid', [{ path: 'token', message: 'not a link this service gave out' }]);
  const { claim } = checked;
  if (!checked.offByLink) throw new InvalidInputError('sign_in_required', signInToTurnOff(claim.category), [{ path: 'token', message: 'this category is turned off only in the notification settings, signed in' }]);
  await unsubscribe(claim);
  if (fromPage) return htmlPage(200, TITLE, message('success', `Done: you have unsubscribed from ${subjectOf(claim.category)}.`));
  return { statusCode: 204, headers: {}, body: '' };
});
