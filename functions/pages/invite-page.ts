import { acceptInvitation } from '../identity/link-flows';
import { linkPage } from './link-page';

export const page = linkPage({
  purpose: 'invitation',
  path: '/invite',
  title: 'Set your password',
  submit: 'Set password',
  act: async (token, password) => (await acceptInvitation(token, password)).email,
  done: (email) => `Your password is set and your account is ready. Sign in as ${email ?? 'your email address'}.`,
});

export const handler = page.show;
