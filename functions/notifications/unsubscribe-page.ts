import { httpHandler } from '../http/handler';
import { errorPage, escapeHtml, htmlPage, message } from '../pages/html';
import { checkUnsubscribe, signInToTurnOff, subjectOf } from './unsubscribe';
import { unsubscribeQuerySchema as querySchema } from './unsubscribe.schema';

const TITLE = 'Stop these emails';

/**
 * The page an unsubscribe link opens: what it stops, and one button (a form
 * post, no script). Opening it changes nothing, so a mail scanner that
 * follows links never unsubscribes anyone. A link of a category no link
 * may turn off (safeguarding, account security) shows no button: the page
 * says to sign in.
 */
export const handler = httpHandler({ auth: 'public', errorPage: errorPage(TITLE) }, async ({ event }) => {
  const token = querySchema.safeParse(event.queryStringParameters ?? {}).data?.token ?? '';
  const checked = token ? await checkUnsubscribe(token) : undefined;
  if (!checked) return htmlPage(400, TITLE, message('error', 'This link is not valid. Open the link from your email again.'));
  const { claim } = checked;
  if (!checked.offByLink) return htmlPage(200, TITLE, message('error', signInToTurnOff(claim.category)));
  const action = `/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
  return htmlPage(
    200,
    TITLE,
    `<p>Stop ${escapeHtml(subjectOf(claim.category))}?</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="from" value="page">
<button type="submit">Unsubscribe</button>
</form>
<p>You can change what you hear about at any time in your account's notification settings.</p>`,
  );
});

