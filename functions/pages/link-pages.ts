import type { PageSpec } from './link-page';

/** The page an invitation link opens (GET /invite) and its form post. */
export const invitationPage: PageSpec = {
  purpose: 'invitation',
  path: '/invite',
  title: 'Set your password',
  submit: 'Set password',
  done: (email) => `Your password is set and your account is ready. Sign in as ${email ?? 'your email address'}.`,
};

/** The page a reset link opens (GET /reset-password) and its form post. */
export const resetPasswordPage: PageSpec = {
  purpose: 'password_reset',
  path: '/reset-password',
  title: 'Choose a new password',
  submit: 'Change password',
  done: () => 'Your password is changed and every session was signed out. Sign in with your new password (if your account is locked, once it is unlocked).',
};
