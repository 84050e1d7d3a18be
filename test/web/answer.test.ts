// The answer page of an invitation mail's link, over raw HTTP as a browser without an account
// uses it: the organizer's event (stored over CalDAV) is shown; Accept / Maybe / Decline land in
// the organizer's copy (read back over CalDAV); the last answer wins; an altered, expired,
// deleted, cancelled or withdrawn link is refused with a page that says why and changes nothing.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { useTestServer } from '../helpers/testServer.ts';
import { calendar, event } from '../fixtures/ical.ts';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe('answer links on the web face', { shuffle: false }, () => {
  const clock = new ManualClock(new Date('2027-01-10T12:00:00Z'));
  const server = useTestServer({ env: { SYNC_WORKER: 'false', PUBLIC_URL: 'https://cal.example.org/calendula' }, start: { clock } });
  const ann = server.user('ann', { email: 'ann@example.org', displayName: 'Ann Organizer' });

  /** Ann's meeting with Bea (elsewhere), stored over CalDAV. */
  const meeting = (uid: string, extra: string[] = [], attendees = ['ATTENDEE;CN=Bea Elsewhere;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bea@example.net']) =>
    calendar(
      event(uid, [
        'DTSTART:20270310T090000Z',
        'DTEND:20270310T100000Z',
        'SUMMARY:Design <review> & “coffee”',
        'LOCATION:Room 4',
        'DESCRIPTION:First line\\nSecond line',
        'ORGANIZER;CN=Ann Organizer:mailto:ann@example.org',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org',
        ...attendees,
        ...extra,
      ]),
    );
  const path = (uid: string) => `/dav/calendars/ann/default/${uid}.ics`;
  const store = async (uid: string, extra: string[] = [], attendees?: string[]) => {
    const res = await ann.put(path(uid), meeting(uid, extra, attendees));
    expect([201, 204]).toContain(res.status);
  };
  const organizerCopy = async (uid: string) => {
    const res = await ann.request('GET', path(uid));
    return { status: res.status, etag: res.headers.get('etag'), text: unfold(res.text) };
  };
  const beaLine = (text: string) => text.split('\r\n').find((l) => l.startsWith('ATTENDEE') && l.endsWith(':mailto:bea@example.net')) ?? '';

  /** The link's path on this server (PUBLIC_URL names where users reach it). */
  const linkFor = async (uid: string) => {
    const url = await server.domain.answerLinks.urlFor('principals/ann', uid, 'bea@example.net');
    expect(url).toMatch(/^https:\/\/cal\.example\.org\/calendula\/answer\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    return `/answer/${url!.split('/answer/')[1]}`;
  };
  const get = async (p: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${p}`, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, page: await res.text() };
  };
  const post = async (p: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form), redirect: 'manual' });
    return { status: res.status, page: await res.text() };
  };

  it('GET shows the event and the three answers to someone without an account', async () => {
    await store('ans-1');
    const link = await linkFor('ans-1');
    const res = await get(link, { 'accept-language': 'en' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-robots-tag')).toContain('noindex');
    expect(res.page).toContain('Invitation: Design &lt;review&gt; &amp; “coffee”');
    expect(res.page).not.toContain('<review>');
    expect(res.page).toContain('Room 4');
    expect(res.page).toContain('First line<br>Second line');
    expect(res.page).toContain('Ann Organizer &lt;ann@example.org&gt;');
    expect(res.page).toContain('Not answered yet');
    for (const v of ['ACCEPTED', 'TENTATIVE', 'DECLINED']) expect(res.page).toContain(`name="partstat" value="${v}"`);
    expect(res.page).toContain('name="comment"');
    expect(res.page).toMatch(/<form method="post" action="\/answer\/[A-Za-z0-9_.-]+"/);
    expect(res.page).not.toContain('name="_csrf"');
    expect(res.page).not.toContain('sign-out');
  });

  it('the page speaks German, French and Japanese too', async () => {
    const link = await linkFor('ans-1');
    expect((await get(link, { 'accept-language': 'de' })).page).toContain('Zusagen');
    expect((await get(link, { 'accept-language': 'fr' })).page).toContain('Peut-être');
    expect((await get(link, { 'accept-language': 'ja' })).page).toContain('不参加');
  });

  it('POST accept records PARTSTAT=ACCEPTED (and the comment) in the organizer’s copy and confirms', async () => {
    const link = await linkFor('ans-1');
    const tagBefore = (await ann.request('GET', path('ans-1'))).headers.get('schedule-tag');
    const etagBefore = (await organizerCopy('ans-1')).etag;
    const res = await post(link, { partstat: 'ACCEPTED', comment: 'Looking forward to it' });
    expect(res.status).toBe(200);
    expect(res.page).toContain('Your answer “Accepted” was recorded');
    const copy = await organizerCopy('ans-1');
    expect(beaLine(copy.text)).toContain('PARTSTAT=ACCEPTED');
    expect(beaLine(copy.text)).not.toContain('RSVP=TRUE');
    expect(copy.text).toContain('Looking forward to it');
    expect(copy.text).toContain('SUMMARY:Design <review> & “coffee”');
    // RFC 6638 §3.2.10: an attendee's answer changes the ETag but not the organizer's Schedule-Tag.
    expect(copy.etag).not.toBe(etagBefore);
    expect(tagBefore).toBeTruthy();
    expect((await ann.request('GET', path('ans-1'))).headers.get('schedule-tag')).toBe(tagBefore);
  });

  it('decline then accept again with the same link: the last answer wins', async () => {
    const link = await linkFor('ans-1');
    expect((await post(link, { partstat: 'DECLINED' })).status).toBe(200);
    expect(beaLine((await organizerCopy('ans-1')).text)).toContain('PARTSTAT=DECLINED');
    expect((await get(link)).page).toContain('Declined');
    expect((await post(link, { partstat: 'TENTATIVE' })).status).toBe(200);
    expect(beaLine((await organizerCopy('ans-1')).text)).toContain('PARTSTAT=TENTATIVE');
    const again = await post(link, { partstat: 'ACCEPTED' });
    expect(again.status).toBe(200);
    expect(beaLine((await organizerCopy('ans-1')).text)).toContain('PARTSTAT=ACCEPTED');
    // The same answer once more changes nothing, and says so.
    const before = await organizerCopy('ans-1');
    expect((await post(link, { partstat: 'ACCEPTED' })).page).toContain('was already recorded');
    expect((await organizerCopy('ans-1')).etag).toBe(before.etag);
  });

  it('an answer that is not one of the three, or a post from another site, is refused and changes nothing', async () => {
    const link = await linkFor('ans-1');
    const before = await organizerCopy('ans-1');
    const bad = await post(link, { partstat: 'DELEGATED' });
    expect(bad.status).toBe(400);
    expect(bad.page).toContain('Choose Accept, Maybe or Decline.');
    expect((await post(link, { partstat: 'DECLINED' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await organizerCopy('ans-1')).etag).toBe(before.etag);
  });

  it('a link altered anywhere is refused with 404 and a page that says so; nothing changes', async () => {
    const link = await linkFor('ans-1');
    const before = await organizerCopy('ans-1');
    const token = link.slice('/answer/'.length);
    const [payload, signature] = token.split('.') as [string, string];
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    fields[3] = 'mallory@example.net';
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    for (const t of [
      `${Buffer.from(JSON.stringify(fields)).toString('base64url')}.${signature}`,
      `${payload}.${flip(signature, 5)}`,
      `${flip(payload, 10)}.${signature}`,
      token.slice(0, -3),
      'x'.repeat(3000),
    ]) {
      const shown = await get(`/answer/${t}`);
      expect(shown.status, t).toBe(404);
      if (t.length < 2048) expect(shown.page).toContain('This link is not valid');
      expect((await post(`/answer/${t}`, { partstat: 'DECLINED' })).status).toBe(404);
    }
    expect((await organizerCopy('ans-1')).etag).toBe(before.etag);
  });

  it('after the event’s last instance the link is refused with 410 and changes nothing', async () => {
    await store('ans-2');
    const link = await linkFor('ans-2');
    const before = await organizerCopy('ans-2');
    clock.set(new Date('2027-03-10T10:00:01Z'));
    try {
      const shown = await get(link);
      expect(shown.status).toBe(410);
      expect(shown.page).toContain('This event is over');
      expect((await post(link, { partstat: 'ACCEPTED' })).status).toBe(410);
      expect(await server.domain.answerLinks.urlFor('principals/ann', 'ans-2', 'bea@example.net')).toBeNull();
    } finally {
      clock.set(new Date('2027-01-10T12:00:00Z'));
    }
    expect((await organizerCopy('ans-2')).etag).toBe(before.etag);
  });

  it('a link to an event that is already past is refused even before its own expiry', async () => {
    const res = await ann.put(path('ans-past'), calendar(event('ans-past', ['DTSTART:20261201T090000Z', 'DTEND:20261201T100000Z', 'SUMMARY:Old', 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE:mailto:bea@example.net'])));
    expect(res.status).toBe(201);
    expect(await server.domain.answerLinks.urlFor('principals/ann', 'ans-past', 'bea@example.net')).toBeNull();
    const token = await server.domain.answerLinks.token('principals/ann', 'ans-past', 'bea@example.net', new Date('2030-01-01T00:00:00Z'));
    const before = await organizerCopy('ans-past');
    expect((await get(`/answer/${token}`)).status).toBe(410);
    expect((await post(`/answer/${token}`, { partstat: 'ACCEPTED' })).status).toBe(410);
    expect((await organizerCopy('ans-past')).etag).toBe(before.etag);
  });

  it('a cancelled event, or one the attendee was taken off, refuses the link with 410', async () => {
    await store('ans-3');
    const link = await linkFor('ans-3');
    await store('ans-3', ['STATUS:CANCELLED']);
    const cancelled = await get(link);
    expect(cancelled.status).toBe(410);
    expect(cancelled.page).toContain('cancelled this event');
    await store('ans-3', [], ['ATTENDEE:mailto:carl@example.net']);
    const dropped = await get(link);
    expect(dropped.status).toBe(410);
    expect(dropped.page).toContain('no longer invited');
    const before = await organizerCopy('ans-3');
    expect((await post(link, { partstat: 'ACCEPTED' })).status).toBe(410);
    expect((await organizerCopy('ans-3')).etag).toBe(before.etag);
    expect((await organizerCopy('ans-3')).text).not.toContain('bea@example.net');
  });

  it('a deleted event refuses the link with 410 and nothing is created', async () => {
    await store('ans-4');
    const link = await linkFor('ans-4');
    expect((await ann.request('DELETE', path('ans-4'))).status).toBe(204);
    const shown = await get(link);
    expect(shown.status).toBe(410);
    expect(shown.page).toContain('deleted this event');
    expect((await post(link, { partstat: 'ACCEPTED' })).status).toBe(410);
    expect((await organizerCopy('ans-4')).status).toBe(404);
  });
});
