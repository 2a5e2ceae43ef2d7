import { confirmPasswordReset } from '../identity/link-flows';
import { linkPage } from './link-page';

export const page = linkPage({
  purpose: 'password_reset',
  path: '/reset-password',
  title: 'Choose a new password',
  submit: 'Change password',
  act: async (token, password) => {
    await confirmPasswordReset(token, password);
    return undefined;
  },
  done: () => 'Your password is changed and every session was signed out. Sign in with your new password.',
});

export const handler = page.show;
