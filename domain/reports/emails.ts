import type { Email } from '../identity/emails';

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(title: string, paragraphs: string[], link?: string): string {
  const body = paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n');
  const action = link ? `\n<p><a href="${escape(link)}">Download the report</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:sans-serif;line-height:1.5">\n<h1 style="font-size:20px">${escape(title)}</h1>\n${body}${action}\n</body></html>`;
}

/** A scheduled report: the CSV attached, or (too large to attach) a short-lived link. */
export function reportEmail(input: {
  trustName: string; firstName: string; report: string; nodeName: string; period: string; rows: number; link?: { url: string; expiresAt: string };
}): Email {
  const subject = `${input.trustName}: ${input.report} report for ${input.nodeName} (${input.period})`;
  const lines = [
    `Hello ${input.firstName},`,
    `Your scheduled ${input.report} report for ${input.nodeName} has ${input.rows} row${input.rows === 1 ? '' : 's'}, limited to what you may see.`,
    input.link
      ? `It is too large to attach: download it before ${input.link.expiresAt} (the link then stops working).`
      : 'It is attached as a CSV file.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n${input.link ? `\n${input.link.url}\n` : ''}`, html: html(subject, lines, input.link?.url) };
}

/** To a schedule's owner, once per recipient: who no longer receives it and why. */
export function skippedEmail(input: { trustName: string; firstName: string; report: string; names: string[] }): Email {
  const subject = `${input.trustName}: a scheduled ${input.report} report was not sent to everyone`;
  const lines = [
    `Hello ${input.firstName},`,
    `Your scheduled ${input.report} report was not sent to ${input.names.join(', ')}: they can no longer view it (their reports.view permission there was removed, or their account was deactivated).`,
    'Edit the schedule to change its recipients. You will not be told again about them.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: html(subject, lines) };
}
