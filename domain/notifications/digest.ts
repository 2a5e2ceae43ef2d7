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

/** The daily digest: every event since the last one, by school and category, in one email. */
export function digestEmail(input: { trustName: string; firstName: string; sections: readonly DigestSection[]; links: EmailLinks }): Email {
  const count = input.sections.reduce((n, s) => n + s.categories.reduce((m, c) => m + c.events.length, 0), 0);
  const subject = `${input.trustName}: your daily summary (${count} new)`;
  const text: string[] = [`Hello ${input.firstName},`, `Here is what was recorded since your last summary.`];
  const html: string[] = [`<p>${escape(`Hello ${input.firstName},`)}</p>`, '<p>Here is what was recorded since your last summary.</p>'];
  for (const section of input.sections) {
    text.push(`\n${section.schoolName}`);
    html.push(`<h2 style="font-size:17px">${escape(section.schoolName)}</h2>`);
    for (const group of section.categories) {
      text.push(`  ${group.category.description} (${group.events.length})`);
      html.push(`<h3 style="font-size:15px">${escape(group.category.description)} (${group.events.length})</h3><ul>`);
      if (group.category.sensitive) {
        const noun = group.events.length === 1 ? 'entry was' : 'entries were';
        text.push(`    ${group.events.length} new ${noun} recorded. Sign in to read them.`);
        html.push(`<li>${group.events.length} new ${noun} recorded. Sign in to read them.</li>`);
      } else {
        for (const event of group.events) {
          const line = eventLines(event);
          text.push(`    - ${line.text}${line.link ? ` ${line.link}` : ''}`);
          html.push(`<li>${escape(line.text)}${line.link ? ` <a href="${escape(line.link)}">Open</a>` : ''}</li>`);
        }
      }
      html.push('</ul>');
    }
  }
  const end = footer(input.links);
  return { subject, text: `${text.join('\n')}\n\n${end.text}`, html: page(subject, `${html.join('\n')}\n${end.html}`) };
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
