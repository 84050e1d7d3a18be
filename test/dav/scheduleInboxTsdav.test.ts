// The schedule inbox through tsdav (npm), a real client, as far as it speaks it: tsdav has no
// scheduling calls, but its collection calls work on any collection: isCollectionDirty (getctag),
// syncCollection (RFC 6578), calendarMultiGet and deleteObject.
import { describe, expect, it } from 'vitest';
import { calendarMultiGet, deleteObject, isCollectionDirty, propfind, syncCollection } from 'tsdav';
import { useTestServer } from '../helpers/testServer.ts';
import { basic } from '../helpers/server.ts';
import { crlf } from '../fixtures/ical.ts';

const invitation = (uid: string) =>
  crlf([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Elsewhere//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260301T090000Z',
    'DTSTART:20260320T100000Z',
    'SUMMARY:Planning',
    'ORGANIZER:mailto:olga@elsewhere.example',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tina@example.org',
    'END:VEVENT',
    'END:VCALENDAR',
  ]);

describe('the schedule inbox through tsdav', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('tina', { email: 'tina@example.org' });
  const headers = { authorization: basic('tina', 'tina-password') };
  const inboxUrl = () => `${server.url}/dav/calendars/tina/inbox/`;
  const deliver = (text: string) => server.running.db.em().transactional((em) => server.domain.inbox.deliver(em, 'principals/tina', text));

  it('getctag says the inbox changed; sync-collection with the last token lists the new item; calendar-multiget reads it; deleteObject removes it', async () => {
    const [self] = await propfind({ url: inboxUrl(), props: { 'cs:getctag': {}, 'd:sync-token': {} }, depth: '0', headers });
    const ctag = String(self!.props!.getctag);
    const token = String(self!.props!.syncToken);
    expect((await isCollectionDirty({ collection: { url: inboxUrl(), ctag }, headers })).isDirty).toBe(false);

    const uri = await deliver(invitation('plan-1'));
    const dirty = await isCollectionDirty({ collection: { url: inboxUrl(), ctag }, headers });
    expect(dirty.isDirty).toBe(true);

    const changes = await syncCollection({ url: inboxUrl(), props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token, headers });
    const itemHref = `/dav/calendars/tina/inbox/${uri}`;
    const changed = changes.filter((r) => r.href === itemHref);
    expect(changed).toHaveLength(1);
    const etag = String(changed[0]!.props!.getetag);
    expect(etag).toMatch(/^"[0-9a-f]+"$/);

    const got = await calendarMultiGet({ url: inboxUrl(), props: { 'd:getetag': {}, 'c:calendar-data': {} }, objectUrls: [itemHref], depth: '1', headers });
    expect(got).toHaveLength(1);
    expect(String(got[0]!.props!.calendarData)).toContain('UID:plan-1');

    const del = await deleteObject({ url: `${server.url}${itemHref}`, etag, headers });
    expect(del.status).toBe(204);
    const after = await syncCollection({ url: inboxUrl(), props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token, headers });
    expect(after.filter((r) => r.href === itemHref).map((r) => r.status)).toEqual([404]);
  });
});
