import type { Email } from '../identity/emails';

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(title: string, paragraphs: string[], link?: string): string {
  const body = paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n');
  const action = link ? `\n<p><a href="${escape(link)}">Download the report</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:sans-serif;line-height:1.5">\n<h1 style="font-size:20px">${escape(title)}</h1>\n${body}${action}\n</body></html>`;
}

/** When an emailed link stops working, in words, on the trust's clock: `Tuesday 8 December 2026, 14:00 (Europe/London)`. */
export function linkUntil(expiresAt: Date, timeZone: string): string {
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(expiresAt);
  return `${when.replace(' at ', ', ')} (${timeZone})`;
}

/**
 * A scheduled report: the CSV attached, or (too large to attach) a link that
 * works until `link.until` (REPORT_FILE_DAYS, domain/reports/report-file.ts).
 */
export function reportEmail(input: {
  trustName: string; firstName: string; report: string; nodeName: string; period: string; rows: number; link?: { url: string; until: string };
}): Email {
  const subject = `${input.trustName}: ${input.report} report for ${input.nodeName} (${input.period})`;
  const lines = [
    `Hello ${input.firstName},`,
    `Your scheduled ${input.report} report for ${input.nodeName} has ${input.rows} row${input.rows === 1 ? '' : 's'}, limited to what you may see.`,
    input.link
      ? `It is too large to attach: download it from the link below until ${input.link.until}. The link then stops working, and it stops at once if your account is deactivated. Anyone holding this email can use it while it works, so do not forward it.`
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
