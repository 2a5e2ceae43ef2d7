import { passwordRules } from '../../domain/identity/password-policy';
import type { HttpResult } from '../http/responses';

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A small server-rendered page: no scripts at all (the CSP forbids them), so it
 * works with JavaScript off; the token in the URL never leaks as a referrer.
 */
export function htmlPage(status: number, title: string, body: string): HttpResult {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2937}
label{display:block;font-weight:600;margin-top:1rem}
input{display:block;width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px}
.error{border-left:4px solid #b91c1c;padding:.5rem 1rem;background:#fef2f2}
.success{border-left:4px solid #15803d;padding:.5rem 1rem;background:#f0fdf4}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    },
    body: html,
  };
}

export const message = (kind: 'error' | 'success', text: string) => `<p class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${escapeHtml(text)}</p>`;

/** The form both pages show: a new password twice, the rules beside it, the token hidden. */
export function passwordForm(input: { action: string; token: string; submit: string; errors?: string[] }): string {
  const errors = input.errors?.length
    ? `<div class="error" role="alert" id="form-errors"><p>Please fix this:</p><ul>${input.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></div>`
    : '';
  return `${errors}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="token" value="${escapeHtml(input.token)}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="rules${errors ? ' form-errors' : ''}">
<label for="confirm">Type it again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
<div id="rules"><p>Your password needs:</p><ul>${passwordRules.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></div>
<button type="submit">${escapeHtml(input.submit)}</button>
</form>`;
}

/** What a page says when something failed on our side. */
export const APOLOGY = 'Something went wrong on our side. Please try again in a few minutes.';

/**
 * The page a failed request answers on a page route (httpHandler's
 * `errorPage`): what the person can do, never a JSON body. A request refused
 * as malformed says why; anything on our side is an apology.
 */
export function errorPage(title: string) {
  return (problem: { status: number; code: string; title: string }): HttpResult =>
    htmlPage(problem.status, title, message('error', problem.status < 500 ? problem.title
      : problem.code === 'timeout' ? 'This took too long on our side. Please try again in a few minutes.'
      : APOLOGY));
}
