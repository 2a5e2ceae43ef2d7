import { DomainError } from '../../domain/errors';
import { hashToken } from '../../domain/identity/token-hash';
import { assertUsable, type TokenPurpose } from '../../domain/identity/tokens';
import { getAccount } from '../adapters/dynamo/account-repository';
import { getLinkToken } from '../adapters/dynamo/token-repository';
import { httpHandler } from '../http/handler';
import * as z from '../shared/zod';
import { APOLOGY, errorPage, htmlPage, message, passwordForm } from './html';
import { linkFormSchema as formSchema, linkQuerySchema as querySchema } from './link-form.schema';

export interface PageSpec {
  purpose: TokenPurpose;
  path: string;
  title: string;
  submit: string;
  done: (email: string | undefined) => string;
}

/** What the form post does with the link: sets the password, answers the account's email when it may be shown. */
export type LinkAction = (token: string, password: string) => Promise<string | undefined>;


/** A problem the person can act on, as a sentence; anything unexpected stays a generic apology. */
function explain(error: unknown): { status: number; text: string; rules?: string[] } {
  if (error instanceof DomainError) {
    if (error.code === 'weak_password') return { status: 400, text: error.message, rules: error.errors.map((e) => e.message) };
    const status = error.code === 'invalid_token' ? 400 : error.code === 'throttled' ? 429 : error.code.endsWith('_expired') || error.code === 'token_used' ? 410 : 409;
    return { status, text: error.message };
  }
  return { status: 500, text: APOLOGY };
}

async function checkLink(purpose: TokenPurpose, token: string) {
  const stored = await getLinkToken(hashToken(token));
  const account = stored && (await getAccount({ trustId: stored.trustId, userId: stored.userId }));
  assertUsable(account ? stored : undefined, purpose, purpose === 'invitation' ? account?.invitationTokenHash : account?.resetTokenHash, new Date(), account?.email);
}

/**
 * GET shows the form (or why the link no longer works). Apart from the form
 * post so that the page's function does not bundle the password check (its
 * ~49,000-word list) nor Cognito.
 */
export function linkPage(spec: PageSpec) {
  return httpHandler({ auth: 'public', errorPage: errorPage(spec.title) }, async ({ event }) => {
    const token = querySchema.safeParse(event.queryStringParameters ?? {}).data?.token ?? '';
    if (!token) return htmlPage(400, spec.title, message('error', 'This link is incomplete; open the link from your email again.'));
    try {
      await checkLink(spec.purpose, token);
    } catch (error) {
      const { status, text } = explain(error);
      return htmlPage(status, spec.title, message('error', text));
    }
    return htmlPage(200, spec.title, passwordForm({ action: spec.path, token, submit: spec.submit }));
  });
}

/** POST sets the password and shows the outcome (the form works with JavaScript off). */
export function linkForm(spec: PageSpec, act: LinkAction) {
  // An empty post is a form with nothing filled in (a page saying so), not a problem document the page cannot show.
  return httpHandler({ auth: 'public', body: z._default(z.record(z.string(), z.unknown()), {}), errorPage: errorPage(spec.title) }, async ({ body }) => {
    const form = formSchema.safeParse(body).data ?? { token: '', password: '', confirm: '' };
    const again = (status: number, errors: string[]) => htmlPage(status, spec.title, passwordForm({ action: spec.path, token: form.token, submit: spec.submit, errors }));
    if (!form.password) return again(400, ['Enter a new password.']);
    if (form.password !== form.confirm) return again(400, ['The two passwords are not the same.']);
    try {
      const email = await act(form.token, form.password);
      return htmlPage(200, spec.title, message('success', spec.done(email)));
    } catch (error) {
      const { status, text, rules } = explain(error);
      if (rules) return again(status, rules);
      return htmlPage(status, spec.title, message('error', text));
    }
  });
}
