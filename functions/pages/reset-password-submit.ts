import { confirmPasswordReset } from '../identity/password-reset-confirmation';
import { linkForm } from './link-page';
import { resetPasswordPage } from './link-pages';

/** The form post of the page (works with JavaScript off). */
export const handler = linkForm(resetPasswordPage, async (token, password) => {
  await confirmPasswordReset(token, password);
  return undefined;
});
