// RFC 6638 implicit scheduling between users of this server, through CalDAV.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, parseMultistatus, parseScheduleResponse, textIn } from '../helpers/dav.ts';
import { calendar, crlf, event } from '../fixtures/ical.ts';

const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe('scheduling between users of this server (CalDAV)', () => {
  const server = useTestServer();
  const ann = server.user('ann', { email: 'ann@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });

  it('the principal has schedule-inbox-URL and schedule-outbox-URL; the inbox names the default calendar', async () => {
    const p = parseMultistatus((await ann.propfind('/dav/principals/ann/', '<c:schedule-inbox-URL/><c:schedule-outbox-URL/>')).text).members.get('/dav/principals/ann/')!;
    expect(textIn(p.props.get(C('schedule-inbox-URL'))!.el)).toBe('/dav/calendars/ann/inbox/');
    expect(textIn(p.props.get(C('schedule-outbox-URL'))!.el)).toBe('/dav/calendars/ann/outbox/');
    const inbox = parseMultistatus((await ann.propfind('/dav/calendars/ann/inbox/', '<c:schedule-default-calendar-URL/><d:resourcetype/>')).text).members.get('/dav/calendars/ann/inbox/')!;
    expect(textIn(inbox.props.get(C('schedule-default-calendar-URL'))!.el)).toBe('/dav/calendars/ann/default/');
  });

  /** Ann's design review with Ben (and someone elsewhere) as attendees, under a UID of the case's own. */
  const meeting = (uid: string) =>
    calendar(
      event(uid, [
        'DTSTART:20260310T100000Z',
        'DTEND:20260310T110000Z',
        'SUMMARY:Design review',
        'ORGANIZER;CN=Ann:mailto:ann@example.org',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@example.org',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carl@elsewhere.example',
      ]),
    );

  it('an organizer’s PUT delivers to the attendee, records SCHEDULE-STATUS, and answers without an ETag since the stored copy changed', async () => {
    const ics = meeting('meet-1');
    const put = await ann.put('/dav/calendars/ann/default/meet-1.ics', ics, { 'if-none-match': '*' });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBeNull();
    const stored = unfold((await ann.request('GET', '/dav/calendars/ann/default/meet-1.ics')).text);
    expect(stored).toMatch(/ATTENDEE;[^\r\n]*SCHEDULE-STATUS=1\.2[^\r\n]*:mailto:ben@example\.org/);
    expect(stored).not.toMatch(/SCHEDULE-STATUS[^\r\n]*carl@elsewhere/);
    const copy = (await ben.request('GET', '/dav/calendars/ben/default/meet-1.ics')).text;
    expect(copy).toContain('SUMMARY:Design review');
    expect(copy).not.toContain('SCHEDULE-STATUS');
  });

  it('the attendee accepts in their own copy; the organizer’s copy shows it; declining by deleting works too', async () => {
    expect((await ann.put('/dav/calendars/ann/default/meet-3.ics', meeting('meet-3'))).status).toBe(201);
    const copy = await ben.request('GET', '/dav/calendars/ben/default/meet-3.ics');
    const accepted = unfold(copy.text).replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ben@example.org', 'PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:ben@example.org');
    expect((await ben.put('/dav/calendars/ben/default/meet-3.ics', accepted, { 'if-match': copy.headers.get('etag')! })).status).toBe(204);
    expect(unfold((await ann.request('GET', '/dav/calendars/ann/default/meet-3.ics')).text)).toMatch(/PARTSTAT=ACCEPTED[^\r\n]*:mailto:ben@example\.org/);
    expect((await ben.request('DELETE', '/dav/calendars/ben/default/meet-3.ics')).status).toBe(204);
    expect(unfold((await ann.request('GET', '/dav/calendars/ann/default/meet-3.ics')).text)).toMatch(/PARTSTAT=DECLINED[^\r\n]*:mailto:ben@example\.org/);
  });

  it('the organizer deleting the event removes the attendee’s copy', async () => {
    await ann.put('/dav/calendars/ann/default/meet-2.ics', calendar(event('meet-2', ['DTSTART:20260311T100000Z', 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE:mailto:ben@example.org'])));
    expect((await ben.request('GET', '/dav/calendars/ben/default/meet-2.ics')).status).toBe(200);
    await ann.request('DELETE', '/dav/calendars/ann/default/meet-2.ics');
    expect((await ben.request('GET', '/dav/calendars/ben/default/meet-2.ics')).status).toBe(404);
  });

  it('POST to the outbox answers a free-busy request with the attendee’s busy time', async () => {
    await ben.put('/dav/calendars/ben/default/busy.ics', calendar(event('busy', ['DTSTART:20260312T090000Z', 'DTEND:20260312T100000Z'])));
    const request = crlf([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Example//EN',
      'METHOD:REQUEST',
      'BEGIN:VFREEBUSY',
      'UID:fb-1',
      'DTSTAMP:20260301T000000Z',
      'DTSTART:20260312T000000Z',
      'DTEND:20260313T000000Z',
      'ORGANIZER:mailto:ann@example.org',
      'ATTENDEE:mailto:ben@example.org',
      'ATTENDEE:mailto:nobody@elsewhere.example',
      'END:VFREEBUSY',
      'END:VCALENDAR',
    ]);
    const res = await ann.request('POST', '/dav/calendars/ann/outbox/', { body: request, headers: { 'content-type': 'text/calendar' } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('schedule-response');
    expect(res.text).toContain('2.0;Success');
    expect(res.text).toContain('3.7;Invalid calendar user');
    // Per attendee, as a client reads it: the local user is answered, the unknown one refused.
    expect(parseScheduleResponse(res.text)).toEqual([
      { recipient: 'mailto:ben@example.org', requestStatus: '2.0;Success' },
      { recipient: 'mailto:nobody@elsewhere.example', requestStatus: '3.7;Invalid calendar user' },
    ]);
    const data = /<cal:calendar-data>([\s\S]*?)<\/cal:calendar-data>/.exec(res.text)![1]!.replace(/&#13;/g, '\r');
    const fb = new ICAL.Component(ICAL.parse(data) as never);
    expect(fb.getFirstPropertyValue('method')).toBe('REPLY');
    const periods = fb.getFirstSubcomponent('vfreebusy')!.getAllProperties('freebusy').map((p) => p.getFirstValue()!.toString());
    expect(periods).toEqual(['2026-03-12T09:00:00Z/2026-03-12T10:00:00Z']);
    const forged = request.replace('ORGANIZER:mailto:ann@example.org', 'ORGANIZER:mailto:ben@example.org');
    expect((await ann.request('POST', '/dav/calendars/ann/outbox/', { body: forged })).status).toBe(403);
    // Failed preconditions are 403 with their element (RFC 4791 §1.3, RFC 6638 §3.2.10), as for a PUT.
    const backwards = request.replace('DTEND:20260313T000000Z', 'DTEND:20260311T000000Z');
    const refused = await ann.request('POST', '/dav/calendars/ann/outbox/', { body: backwards, headers: { 'content-type': 'text/calendar' } });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('valid-scheduling-message');
    const latin = await ann.request('POST', '/dav/calendars/ann/outbox/', { body: Buffer.from(request.replace('fb-1', 'fb-\u00e9'), 'latin1'), headers: { 'content-type': 'text/calendar' } });
    expect(latin.status).toBe(403);
    expect(latin.text).toContain('valid-calendar-data');
  });
});
