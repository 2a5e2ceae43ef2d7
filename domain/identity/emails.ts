/** An email as the mailer sends it: both parts carry the same words. */
export interface Email {
  subject: string;
  text: string;
  html: string;
}

const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const when = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/London' });

function layout(title: string, paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n');
  const button = action
    ? `<p><a href="${escape(action.url)}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">${escape(action.label)}</a></p>\n<p>Or open this link: ${escape(action.url)}</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:sans-serif;line-height:1.5">\n<h1 style="font-size:20px">${escape(title)}</h1>\n${body}\n${button}\n</body></html>`;
}

export function invitationEmail(input: { trustName: string; inviterName: string; firstName: string; link: string; expiresAt: string }): Email {
  const subject = `You're invited to ${input.trustName}`;
  const lines = [
    `Hello ${input.firstName},`,
    `${input.inviterName} has invited you to your ${input.trustName} account.`,
    `Choose a password to start. The link works once and expires on ${when(input.expiresAt)}.`,
    'If you did not expect this email, you can ignore it.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.link}\n`, html: layout(subject, lines, { label: 'Set your password', url: input.link }) };
}

export function passwordResetEmail(input: { trustName: string; firstName: string; link: string; expiresAt: string; locked?: boolean }): Email {
  const subject = `Reset your ${input.trustName} password`;
  const lines = [
    `Hello ${input.firstName},`,
    `Someone asked to reset the password of your ${input.trustName} account. If it was you, choose a new password.`,
    `The link works once and expires on ${when(input.expiresAt)}. If it was not you, ignore this email: your password stays as it is.`,
    ...(input.locked
      ? ['Your account is locked after too many failed sign-in attempts, and a new password does not unlock it: you can sign in with it once the account is unlocked (by your administrator, or by itself if your trust set that).']
      : []),
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.link}\n`, html: layout(subject, lines, { label: 'Choose a new password', url: input.link }) };
}

export function passwordChangedEmail(input: { trustName: string; firstName: string; at: string }): Email {
  const subject = `Your ${input.trustName} password was changed`;
  const lines = [
    `Hello ${input.firstName},`,
    `The password of your ${input.trustName} account was changed on ${when(input.at)}, and every session was signed out.`,
    'If this was not you, contact your administrator at once.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}

export function accountLockedEmail(input: { trustName: string; firstName: string; attempts: number; autoUnlockMinutes?: number }): Email {
  const subject = `Your ${input.trustName} account is locked`;
  const lines = [
    `Hello ${input.firstName},`,
    `Your account was locked after ${input.attempts} failed sign-in attempts in a row.`,
    input.autoUnlockMinutes
      ? `It unlocks by itself after ${input.autoUnlockMinutes} minutes, or your administrator can unlock it sooner.`
      : 'Ask your administrator to unlock it.',
    'If these attempts were not you, tell your administrator: someone may be guessing your password.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}

/** After an admin turned two-factor sign-in off for a lost device: the person learns of it, and whom to tell if it was not them. */
export function mfaResetEmail(input: { trustName: string; firstName: string; adminName: string; at: string }): Email {
  const subject = `Two-factor sign-in was turned off for your ${input.trustName} account`;
  const lines = [
    `Hello ${input.firstName},`,
    `${input.adminName} turned off two-factor sign-in for your ${input.trustName} account on ${when(input.at)}, and every session was signed out.`,
    'Sign in with your password, then set up your authenticator app again: some of what you do needs it.',
    'If you did not ask for this, contact your administrator at once.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}

/**
 * Goes to the address an account is leaving: if the change was a takeover,
 * the old address is the one the real owner still reads. The new address is
 * left out so a mailbox that changed hands learns nothing more.
 */
export function emailChangedEmail(input: { trustName: string; firstName: string; changedBy: string; at: string }): Email {
  const subject = `The sign-in email of your ${input.trustName} account was changed`;
  const lines = [
    `Hello ${input.firstName},`,
    `${input.changedBy} changed the email address you sign in to your ${input.trustName} account with on ${when(input.at)}. This address no longer signs you in.`,
    'If you did not expect this, contact your administrator or safeguarding lead at once.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}
