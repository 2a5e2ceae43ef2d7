import type { Email } from '../identity/emails';
import type { NotificationCategory } from './categories';

/** The local calendar date (YYYY-MM-DD) and hour (0-23) of an instant in a time zone. */
export function localTime(now: Date, timeZone: string): { date: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
}

/**
 * Whether the hourly digest run at `now` owes a person their digest, and for
 * which local day. It is owed from the first run at or after their hour, so
 * the hour the clocks skip in spring, or a run that failed, only delays it;
 * the hour that repeats in autumn cannot send it twice because the adapter
 * claims one digest per person per local day (`day` is that claim's key).
 */
export function digestDue(now: Date, timeZone: string, digestHour: number): { due: boolean; day: string } {
  const local = localTime(now, timeZone);
  return { due: local.hour >= digestHour, day: local.date };
}

export interface DigestEvent {
  id: string;
  category: NotificationCategory;
  nodeId: string;
  title: string;
  summary?: string;
  link?: string;
  occurredAt: string;
}

export interface DigestSection {
  nodeId: string;
  schoolName: string;
  categories: { category: NotificationCategory; events: DigestEvent[] }[];
}

/** Events grouped by school (by name) and then category (catalogue order), oldest first within each. */
export function groupDigest(events: readonly DigestEvent[], nodeName: (nodeId: string) => string, catalogue: readonly NotificationCategory[]): DigestSection[] {
  const bySchool = new Map<string, DigestEvent[]>();
  for (const event of events) bySchool.set(event.nodeId, [...(bySchool.get(event.nodeId) ?? []), event]);
  return [...bySchool]
    .map(([nodeId, list]) => ({
      nodeId,
      schoolName: nodeName(nodeId),
      categories: catalogue
        .map((category) => ({ category, events: list.filter((e) => e.category.code === category.code).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id)) }))
        .filter((group) => group.events.length > 0),
    }))
    .sort((a, b) => a.schoolName.localeCompare(b.schoolName) || a.nodeId.localeCompare(b.nodeId));
}

const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface EmailLinks {
  signIn: string;
  preferences: string;
  /**
   * One-click unsubscribe from the category (immediate emails) or from the
   * digest's categories that a link may turn off; absent for a category that
   * only the person, signed in, may turn off (offByLink false).
   */
  unsubscribe?: string;
}

/**
 * What may be said about one event in an email. A sensitive category
 * (child protection, allegations) says only that something was recorded at
 * the school: no pupil, no subject id, no title, no summary, no deep link.
 */
function eventLines(event: DigestEvent): { text: string; link?: string } {
  if (event.category.sensitive) return { text: `A new ${event.category.noun} was recorded.` };
  return { text: event.summary ? `${event.title}: ${event.summary}` : event.title, ...(event.link ? { link: event.link } : {}) };
}

function footer(links: EmailLinks): { text: string; html: string } {
  const { unsubscribe } = links;
  return {
    text: `Sign in to read more: ${links.signIn}\nChange what you hear about: ${links.preferences}\n${unsubscribe ? `Unsubscribe: ${unsubscribe}\n` : ''}`,
    html: `<hr><p style="font-size:13px;color:#555"><a href="${escape(links.signIn)}">Sign in</a> to read more · <a href="${escape(links.preferences)}">Change what you hear about</a>${unsubscribe ? ` · <a href="${escape(unsubscribe)}">Unsubscribe</a>` : ''}</p>`,
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:sans-serif;line-height:1.5">\n<h1 style="font-size:20px">${escape(title)}</h1>\n${body}\n</body></html>`;
}

/** The email sent at once for one event. */
export function eventEmail(input: { trustName: string; schoolName: string; event: DigestEvent; links: EmailLinks }): Email {
  const { event, schoolName } = input;
  const subject = `${input.trustName}: a new ${event.category.noun} at ${schoolName}`;
  const line = eventLines(event);
  const intro = `${schoolName}, ${event.category.description}`;
  const end = footer(input.links);
  const linkText = line.link ? `\n${line.link}\n` : '';
  return {
    subject,
    text: `${intro}\n\n${line.text}\n${linkText}\n${end.text}`,
    html: page(subject, `<p>${escape(intro)}</p>\n<p>${escape(line.text)}</p>${line.link ? `\n<p><a href="${escape(line.link)}">Open</a></p>` : ''}\n${end.html}`),
  };
}

/**
 * How big a digest may get. A trust-wide reader (Trust Admin, Head Office:
 * behaviour.view at the root, digest by default) gets every event of every
 * school, so the email is bounded, never the backlog it summarises:
 * - `perGroup`: events listed per school and category, then "and K more";
 * - `titleChars`/`summaryChars`: longer text is cut with "…";
 * - `linkChars`: a longer link is left out (a cut link is a broken one);
 * - `bytes`: the text and HTML parts together (UTF-8), a tenth of SES's
 *   10 MB message limit even after base64 (×1.37), so no digest is refused
 *   for its size; past it the rest is counted in one closing line.
 * Everything counted but not listed is still marked sent: the feed has it.
 */
export const DIGEST_LIMITS = { perGroup: 20, titleChars: 150, summaryChars: 300, linkChars: 500, schoolChars: 200, bytes: 1_000_000 } as const;

export interface DigestEmail extends Email {
  /** Events in the email: listed one by one, and only counted (sensitive ones, "and K more", the closing line). */
  listed: number;
  counted: number;
}

const clip = (value: string, max: number) => (value.length > max ? `${value.slice(0, max - 1)}…` : value);

/** One event as the digest lists it: cut to the limits, the link left out when too long. */
function digestLine(event: DigestEvent): { text: string; link?: string } {
  const title = clip(event.title, DIGEST_LIMITS.titleChars);
  const summary = event.summary ? clip(event.summary, DIGEST_LIMITS.summaryChars) : undefined;
  const link = event.link && event.link.length <= DIGEST_LIMITS.linkChars ? event.link : undefined;
  return { text: summary ? `${title}: ${summary}` : title, ...(link ? { link } : {}) };
}

/**
 * The daily digest: every event since the last one, by school and category,
 * in one email of at most DIGEST_LIMITS.bytes (text + HTML); what does not
 * fit is counted, never dropped silently.
 */
export function digestEmail(input: { trustName: string; firstName: string; sections: readonly DigestSection[]; links: EmailLinks }): DigestEmail {
  const total = input.sections.reduce((n, s) => n + s.categories.reduce((m, c) => m + c.events.length, 0), 0);
  const subject = `${input.trustName}: your daily summary (${total} new)`;
  const { signIn } = input.links;
  const text: string[] = [`Hello ${input.firstName},`, `Here is what was recorded since your last summary.`];
  const html: string[] = [`<p>${escape(`Hello ${input.firstName},`)}</p>`, '<p>Here is what was recorded since your last summary.</p>'];
  const end = footer(input.links);
  // What is always there (greeting, page, footer) and the closing line at its longest: the rest of the budget is for the sections.
  const closing = (events: number, schools: number) => {
    const line = `This summary was kept short: ${events} more ${events === 1 ? 'entry' : 'entries'} at ${schools} ${schools === 1 ? 'school is' : 'schools are'} not listed. Sign in to read them all.`;
    return { text: `\n${line} ${signIn}`, html: `<p>${escape(line)} <a href="${escape(signIn)}">Sign in</a></p>` };
  };
  const size = (parts: readonly string[]) => parts.reduce((n, part) => n + Buffer.byteLength(part) + 1, 0);
  const fixed = Buffer.byteLength(page(subject, end.html)) + Buffer.byteLength(end.text) + size(text) + size(html) + 8;
  const longestClosing = closing(total, input.sections.length);
  let room = DIGEST_LIMITS.bytes - fixed - size([longestClosing.text, longestClosing.html]);
  const take = (line: { text?: string; html: string }, reserve = 0): boolean => {
    const cost = size([line.text ?? '', line.html]);
    if (cost + reserve > room) return false;
    room -= cost;
    if (line.text !== undefined) text.push(line.text);
    html.push(line.html);
    return true;
  };
  const more = (k: number) => ({ text: `    and ${k} more. Sign in to read them all.`, html: `<li>and ${k} more. <a href="${escape(signIn)}">Sign in</a> to read them all.</li></ul>` });
  const countLine = (k: number) => {
    const line = `${k} new ${k === 1 ? 'entry was' : 'entries were'} recorded. Sign in to read them.`;
    return { text: `    ${line}`, html: `<li>${line}</li></ul>` };
  };
  let listed = 0;
  let counted = 0;
  let full = false;
  let leftEvents = 0;
  const leftSchools = new Set<string>();
  for (const section of input.sections) {
    const school = clip(section.schoolName, DIGEST_LIMITS.schoolChars);
    if (!full && !take({ text: `\n${school}`, html: `<h2 style="font-size:17px">${escape(school)}</h2>` })) full = true;
    for (const group of section.categories) {
      const n = group.events.length;
      // A group is begun only with room kept to close it (its count, or "and K more"), so a begun group always adds up.
      const close = group.category.sensitive ? countLine(n) : more(n);
      const reserve = size([close.text, close.html]);
      if (full || !take({ text: `  ${group.category.description} (${n})`, html: `<h3 style="font-size:15px">${escape(group.category.description)} (${n})</h3><ul>` }, reserve)) {
        full = true;
        leftEvents += n;
        leftSchools.add(section.nodeId);
        continue;
      }
      let shown = 0;
      if (!group.category.sensitive) {
        for (const event of group.events.slice(0, DIGEST_LIMITS.perGroup)) {
          const line = digestLine(event);
          if (!take({ text: `    - ${line.text}${line.link ? ` ${line.link}` : ''}`, html: `<li>${escape(line.text)}${line.link ? ` <a href="${escape(line.link)}">Open</a>` : ''}</li>` }, reserve)) {
            full = true;
            break;
          }
          shown += 1;
        }
      }
      listed += shown;
      // The room kept (never spent by the lines) closes the group: its closing line is no longer than the one reserved.
      if (group.category.sensitive) take(countLine(n));
      else if (shown < n) take(more(n - shown));
      else take({ html: '</ul>' });
      counted += n - shown;
    }
  }
  if (leftEvents > 0) {
    const line = closing(leftEvents, leftSchools.size);
    text.push(line.text);
    html.push(line.html);
    counted += leftEvents;
  }
  return { subject, text: `${text.join('\n')}\n\n${end.text}`, html: page(subject, `${html.join('\n')}\n${end.html}`), listed, counted };
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * When an entry arriving at `now` goes out in a digest sent at `digestHour`
 * (the trust's time zone): the first quarter-hour after `now` whose local hour
 * is `digestHour`, or later on a day when the clocks skip that hour. Entries
 * wait in an index sorted by this instant, so the hourly job reads only what
 * is due.
 */
export function digestDueAt(now: Date, timeZone: string, digestHour: number): string {
  let t = Math.floor(now.getTime() / QUARTER_HOUR) * QUARTER_HOUR + QUARTER_HOUR;
  let previous = localTime(new Date(t - QUARTER_HOUR), timeZone);
  for (let step = 0; step < 4 * 50; step += 1, t += QUARTER_HOUR) {
    const local = localTime(new Date(t), timeZone);
    const entered = local.hour >= digestHour && (previous.hour < digestHour || previous.date !== local.date);
    if (entered) return new Date(t).toISOString();
    previous = local;
  }
  return new Date(now.getTime() + 86_400_000).toISOString();
}
