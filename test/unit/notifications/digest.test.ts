import { describe, expect, it } from 'vitest';
import { categoryByCode, notificationCategories } from '../../../domain/notifications/categories';
import { DIGEST_LIMITS, digestDue, digestDueAt, digestEmail, eventEmail, groupDigest, localTime, type DigestEvent } from '../../../domain/notifications/digest';

const cat = (code: string) => categoryByCode.get(code)!;
const links = { signIn: 'https://x/sign-in', preferences: 'https://x/prefs', unsubscribe: 'https://x/unsub?token=t' };

describe('digest timing', () => {
  it('reads the local hour in winter (GMT) and summer (BST)', () => {
    expect(localTime(new Date('2026-01-15T07:00:00Z'), 'Europe/London')).toEqual({ date: '2026-01-15', hour: 7 });
    expect(localTime(new Date('2026-07-15T06:00:00Z'), 'Europe/London')).toEqual({ date: '2026-07-15', hour: 7 });
  });

  it('is owed from the first run at or after the hour, keyed by the local day, so the repeated autumn hour cannot send twice', () => {
    expect(digestDue(new Date('2026-07-15T05:00:00Z'), 'Europe/London', 7).due).toBe(false);
    expect(digestDue(new Date('2026-07-15T06:00:00Z'), 'Europe/London', 7)).toEqual({ due: true, day: '2026-07-15' });
    // 25 October 2026: 01:00-02:00 BST then 01:00-02:00 GMT. Both runs owe the same day's one digest.
    const first = digestDue(new Date('2026-10-25T00:30:00Z'), 'Europe/London', 1);
    const second = digestDue(new Date('2026-10-25T01:30:00Z'), 'Europe/London', 1);
    expect(first).toEqual({ due: true, day: '2026-10-25' });
    expect(second).toEqual({ due: true, day: '2026-10-25' });
    // 29 March 2026: 01:00 GMT jumps to 02:00 BST; a 1 o'clock digest still goes at the next run.
    expect(digestDue(new Date('2026-03-29T01:00:00Z'), 'Europe/London', 1)).toEqual({ due: true, day: '2026-03-29' });
  });
});

describe('notification emails', () => {
  const concern: DigestEvent = { id: 'e1', category: cat('child_protection'), nodeId: 'oak', title: 'Bruise on arm of Pupil Zed', summary: 'Zed said …', link: 'https://safeguarding/app/pupil-42', occurredAt: '2026-12-01T09:00:00Z' };
  const incident: DigestEvent = { id: 'e2', category: cat('behaviour'), nodeId: 'oak', title: 'Detention', summary: 'Late three times', link: 'https://behaviour/app/1', occurredAt: '2026-12-01T10:00:00Z' };

  it('says only that a child protection concern was recorded at the school: no pupil, no summary, no deep link', () => {
    const email = eventEmail({ trustName: 'Demo Trust', schoolName: 'Oak Primary', event: concern, links });
    for (const part of [email.subject, email.text, email.html]) {
      expect(part).not.toMatch(/Zed|Bruise|pupil-42|safeguarding\/app/);
    }
    expect(email.text).toContain('A new child protection concern was recorded.');
    expect(email.subject).toBe('Demo Trust: a new child protection concern at Oak Primary');
    expect(email.text).toContain(links.unsubscribe);
    const noLink = eventEmail({ trustName: 'Demo Trust', schoolName: 'Oak Primary', event: concern, links: { signIn: links.signIn, preferences: links.signIn } });
    for (const part of [noLink.text, noLink.html]) expect(part).not.toMatch(/unsubscribe/i);
    expect(noLink.text).toContain(`Change what you hear about: ${links.signIn}`);
  });

  it('carries the title, summary and link of an ordinary event, escaped in HTML', () => {
    const email = eventEmail({ trustName: 'Demo Trust', schoolName: 'Oak <Primary>', event: { ...incident, title: '<b>Detention</b>' }, links });
    expect(email.text).toContain('<b>Detention</b>: Late three times');
    expect(email.html).toContain('&lt;b&gt;Detention&lt;/b&gt;');
    expect(email.html).not.toContain('<b>Detention');
    expect(email.html).toContain('href="https://behaviour/app/1"');
  });

  it('groups a digest by school and category, and counts sensitive events without detail', () => {
    const elm: DigestEvent = { ...incident, id: 'e3', nodeId: 'elm', title: 'Merit' };
    const sections = groupDigest([incident, concern, elm], (id) => (id === 'oak' ? 'Oak Primary' : 'Elm Nursery'), notificationCategories);
    expect(sections.map((s) => [s.schoolName, s.categories.map((c) => [c.category.code, c.events.map((e) => e.id)])])).toEqual([
      ['Elm Nursery', [['behaviour', ['e3']]]],
      ['Oak Primary', [['behaviour', ['e2']], ['child_protection', ['e1']]]],
    ]);
    const email = digestEmail({ trustName: 'Demo Trust', firstName: 'Ada', sections, links });
    expect(email.subject).toBe('Demo Trust: your daily summary (3 new)');
    expect(email.text).toContain('1 new entry was recorded. Sign in to read them.');
    expect(email.text).not.toMatch(/Zed|Bruise/);
    expect(email.html).toContain('<h2 style="font-size:17px">Oak Primary</h2>');
  });
});

describe('digestDueAt', () => {
  it('is the next time the local clock shows the hour, in GMT and in BST', () => {
    expect(digestDueAt(new Date('2026-01-15T06:59:00Z'), 'Europe/London', 7)).toBe('2026-01-15T07:00:00.000Z');
    expect(digestDueAt(new Date('2026-01-15T07:00:00Z'), 'Europe/London', 7)).toBe('2026-01-16T07:00:00.000Z');
    expect(digestDueAt(new Date('2026-07-15T05:30:00Z'), 'Europe/London', 7)).toBe('2026-07-15T06:00:00.000Z');
  });

  it('waits for the hour after a skipped one, and the first of a repeated one', () => {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST, so a 1 o'clock digest goes at 02:00 BST (01:00Z).
    expect(digestDueAt(new Date('2026-03-28T23:00:00Z'), 'Europe/London', 1)).toBe('2026-03-29T01:00:00.000Z');
    // 25 October 2026: 01:00 happens twice; the first (00:00Z, BST) counts.
    expect(digestDueAt(new Date('2026-10-24T23:30:00Z'), 'Europe/London', 1)).toBe('2026-10-25T00:00:00.000Z');
  });

  it('follows a zone with a half-hour offset', () => {
    expect(digestDueAt(new Date('2026-01-15T00:00:00Z'), 'Asia/Kolkata', 7)).toBe('2026-01-15T01:30:00.000Z');
  });
});

describe('the digest bound', () => {
  // A trust-wide reader's day: 100 schools, every category, events at the schema maxima (title 200, summary 2,000, link 2,048),
  // written to cost the most once escaped (`<` is 4 bytes in HTML, `€` 3 in UTF-8).
  const maxed = (i: number, code: string, school: number): DigestEvent => ({
    id: `e${i}`, category: cat(code), nodeId: `school-${school}`, occurredAt: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(),
    title: `${i} ${'<€'.repeat(100)}`.slice(0, 200), summary: '<'.repeat(2000), link: `https://a.example/${'&'.repeat(2020)}`,
  });
  const shortLink = (e: DigestEvent): DigestEvent => ({ ...e, link: `https://a.example/${e.id}` });

  /** Every count the email states: events listed, "N new entries", "and K more", the closing line. Their sum must be the subject's. */
  function countsIn(text: string) {
    const lines = text.split('\n');
    return {
      listed: lines.filter((l) => l.startsWith('    - ')).length,
      counted: lines.flatMap((l) => [/^ {4}(\d+) new entr(?:y was|ies were) recorded/.exec(l), /^ {4}and (\d+) more\./.exec(l), /^This summary was kept short: (\d+) more/.exec(l)])
        .reduce((n, m) => n + (m ? Number(m[1]) : 0), 0),
    };
  }

  it('stays under its byte budget with thousands of events at the maxima, and every event is listed or counted', () => {
    const codes = notificationCategories.filter((c) => !c.internal).map((c) => c.code);
    const events = Array.from({ length: 6000 }, (_, i) => maxed(i, codes[i % codes.length]!, i % 100));
    const sections = groupDigest(events, (id) => `${id} ${'x'.repeat(300)}`, notificationCategories);
    const email = digestEmail({ trustName: 'Demo Trust', firstName: 'Ada', sections, links });
    const bytes = Buffer.byteLength(email.text) + Buffer.byteLength(email.html);
    expect(bytes).toBeLessThanOrEqual(DIGEST_LIMITS.bytes);
    // The budget is used, not wasted: the last event that did not fit would have cost at most ~12 KB.
    expect(bytes).toBeGreaterThan(DIGEST_LIMITS.bytes - 16_000);
    expect(email.subject).toBe('Demo Trust: your daily summary (6000 new)');
    expect(email.listed + email.counted).toBe(6000);
    expect(countsIn(email.text)).toEqual({ listed: email.listed, counted: email.counted });
    expect(email.text).toMatch(/This summary was kept short: \d+ more entries at \d+ schools are not listed\. Sign in to read them all\. https:\/\/x\/sign-in/);
    // Long fields are cut (title 150, summary 300), and a link too long to keep whole is left out, not cut.
    expect(email.text).not.toContain('&'.repeat(600));
    expect(Math.max(...email.text.split('\n').filter((l) => l.startsWith('    - ')).map((l) => l.length))).toBeLessThanOrEqual(6 + 150 + 2 + 300);
    expect(email.html.match(/<ul>/g)?.length).toBe(email.html.match(/<\/ul>/g)?.length);
  });

  it('lists at most 20 events per school and category, then says how many more', () => {
    const events = Array.from({ length: 45 }, (_, i) => shortLink(maxed(i, 'behaviour', 0)));
    const email = digestEmail({ trustName: 'T', firstName: 'Ada', sections: groupDigest(events, () => 'Oak', notificationCategories), links });
    expect(email).toMatchObject({ listed: DIGEST_LIMITS.perGroup, counted: 45 - DIGEST_LIMITS.perGroup });
    expect(email.text).toContain(`(45)\n`);
    expect(email.text).toContain(`    and ${45 - DIGEST_LIMITS.perGroup} more. Sign in to read them all.`);
    expect(countsIn(email.text)).toEqual({ listed: 20, counted: 25 });
    // The oldest are listed (e0..e19), each with its link; e20 on only counted.
    expect(email.text).toContain('https://a.example/e19');
    expect(email.text).not.toContain('https://a.example/e20');
  });

  it('lists everything in a small digest, with no "more" line', () => {
    const events = Array.from({ length: 3 }, (_, i) => ({ ...shortLink(maxed(i, 'behaviour', 0)), title: `Merit ${i}`, summary: 'Well done' }));
    const email = digestEmail({ trustName: 'T', firstName: 'Ada', sections: groupDigest(events, () => 'Oak', notificationCategories), links });
    expect(email).toMatchObject({ listed: 3, counted: 0 });
    expect(email.text).toContain('    - Merit 2: Well done https://a.example/e2');
    expect(email.text).not.toMatch(/more\. Sign in|kept short/);
  });
});
