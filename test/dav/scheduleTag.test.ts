// Schedule-Tag (RFC 6638 §3.2.10, §8.2, §8.3, §9.3) over the wire: scheduling objects (those with
// an ORGANIZER) carry a tag that changes with every write except the server recording an
// attendee's answer in the organizer's copy; GET, HEAD and PUT answer it, PROPFIND reads it as
// CALDAV:schedule-tag, and If-Schedule-Tag-Match makes PUT and DELETE conditional on it (412).
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';
import { C, D, parseMultistatus, textIn } from '../helpers/dav.ts';
import { calendar, event } from '../fixtures/ical.ts';

/** The origin of writes that apply an attendee's answer to the organizer's copy (REPLY_ORIGIN). */
const REPLY_ORIGIN = 'scheduling-reply';
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

const meeting = (uid: string, summary: string, carl = 'NEEDS-ACTION') =>
  calendar(
    event(uid, [
      'DTSTART:20260410T100000Z',
      'DTEND:20260410T110000Z',
      `SUMMARY:${summary}`,
      'ORGANIZER;CN=Ann:mailto:ann@example.org',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org',
      `ATTENDEE;PARTSTAT=${carl}:mailto:carl@elsewhere.example`,
    ]),
  );

describe('Schedule-Tag', { shuffle: false }, () => {
  const server = useTestServer();
  const ann = server.user('ann', { email: 'ann@example.org' });
  const ben = server.user('ben', { email: 'ben@example.org' });
  const PATH = '/dav/calendars/ann/default/review.ics';

  const tagProp = async (user: typeof ann, path: string) => {
    const m = parseMultistatus((await user.propfind(path, '<c:schedule-tag/><d:getetag/>')).text).members.get(path)!;
    const p = m.props.get(C('schedule-tag'))!;
    return { status: p.status, tag: textIn(p.el), etag: textIn(m.props.get(D('getetag'))!.el) };
  };
  const getTag = async (user: typeof ann, path: string) => (await user.request('GET', path)).headers.get('schedule-tag');

  /** Records carl's answer in Ann's copy the way scheduling applies a REPLY: through the domain, with REPLY_ORIGIN. */
  const applyReply = async (partstat: string) => {
    const view = (await server.domain.calendars.get('principals/ann', 'default'))!;
    const user = (await server.domain.users.get('ann'))!;
    const actor = { userId: user.id, username: 'ann', principaluri: 'principals/ann' };
    const stored = (await server.domain.objects.get(view, 'review.ics'))!;
    const text = stored.data.replace(/PARTSTAT=[A-Z-]+:mailto:carl/, `PARTSTAT=${partstat}:mailto:carl`);
    const prepared = await server.domain.objects.prepare(view, text);
    return server.running.db.em().transactional((em) => server.domain.objects.store(em, actor, view, 'review.ics', prepared, {}, REPLY_ORIGIN));
  };

  it('an object without ORGANIZER has none: no header on PUT or GET, CALDAV:schedule-tag answered 404', async () => {
    const path = '/dav/calendars/ann/default/plain.ics';
    const put = await ann.put(path, calendar(event('plain', ['DTSTART:20260410T090000Z', 'SUMMARY:Alone'])));
    expect(put.status).toBe(201);
    expect(put.headers.get('schedule-tag')).toBeNull();
    expect(await getTag(ann, path)).toBeNull();
    expect((await tagProp(ann, path)).status).toBe(404);
    // If-Schedule-Tag-Match cannot hold for it, nor for a name that holds nothing.
    expect((await ann.put(path, calendar(event('plain', ['DTSTART:20260410T090000Z', 'SUMMARY:Changed'])), { 'if-schedule-tag-match': '"x"' })).status).toBe(412);
    expect((await ann.put('/dav/calendars/ann/default/new.ics', meeting('new', 'New'), { 'if-schedule-tag-match': '"x"' })).status).toBe(412);
    expect((await ann.request('GET', '/dav/calendars/ann/default/new.ics')).status).toBe(404);
    expect(unfold((await ann.request('GET', path)).text)).toContain('SUMMARY:Alone');
  });

  it('a scheduling object gets one on PUT; GET, HEAD and PROPFIND answer the same tag', async () => {
    const put = await ann.put(PATH, meeting('review', 'Review'));
    expect(put.status).toBe(201);
    const tag = put.headers.get('schedule-tag');
    expect(tag).toMatch(/^"[^"]+"$/);
    expect(await getTag(ann, PATH)).toBe(tag);
    expect((await ann.request('HEAD', PATH)).headers.get('schedule-tag')).toBe(tag);
    const prop = await tagProp(ann, PATH);
    expect(prop.status).toBe(200);
    expect(prop.tag).toBe(tag);
    // Listed with its members too (PROPFIND Depth 1 on the calendar).
    const listed = parseMultistatus((await ann.propfind('/dav/calendars/ann/default/', '<c:schedule-tag/>', '1')).text).members.get(PATH)!;
    expect(textIn(listed.props.get(C('schedule-tag'))!.el)).toBe(tag);
  });

  it('recording an attendee’s answer (REPLY_ORIGIN) changes the ETag but keeps the tag; the organizer’s PUT with that tag then succeeds', async () => {
    const before = await tagProp(ann, PATH);
    const result = await applyReply('ACCEPTED');
    expect(result.scheduleTag).toBe(before.tag.slice(1, -1));
    const after = await tagProp(ann, PATH);
    expect(after.etag).not.toBe(before.etag);
    expect(after.tag).toBe(before.tag);
    expect(unfold((await ann.request('GET', PATH)).text)).toMatch(/PARTSTAT=ACCEPTED:mailto:carl@elsewhere\.example/);
    // The organizer's client still holds the old ETag and the (unchanged) tag: an inconsequential change
    // must not stop it (§3.2.10), while If-Match would.
    expect((await ann.put(PATH, meeting('review', 'Review, moved'), { 'if-match': before.etag })).status).toBe(412);
    const put = await ann.put(PATH, meeting('review', 'Review, moved', 'ACCEPTED'), { 'if-schedule-tag-match': before.tag });
    expect(put.status).toBe(204);
    const next = put.headers.get('schedule-tag');
    expect(next).toMatch(/^"[^"]+"$/);
    expect(next).not.toBe(before.tag);
    expect(await getTag(ann, PATH)).toBe(next);
  });

  it('the organizer’s PUT changes the tag each time; a stale If-Schedule-Tag-Match is refused with 412 and changes nothing', async () => {
    const t1 = await getTag(ann, PATH);
    const put = await ann.put(PATH, meeting('review', 'Review, room 2', 'ACCEPTED'));
    expect(put.status).toBe(204);
    const t2 = put.headers.get('schedule-tag');
    expect(t2).not.toBe(t1);
    const stale = await ann.put(PATH, meeting('review', 'Review, room 3', 'ACCEPTED'), { 'if-schedule-tag-match': t1! });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('schedule-tag')).toBeNull();
    expect(unfold((await ann.request('GET', PATH)).text)).toContain('SUMMARY:Review, room 2');
    expect(await getTag(ann, PATH)).toBe(t2);
    // The quotes are part of the header's syntax: a bare tag means the same tag.
    const bare = await ann.put(PATH, meeting('review', 'Review, room 4', 'ACCEPTED'), { 'if-schedule-tag-match': t2!.slice(1, -1) });
    expect(bare.status).toBe(204);
    expect((await ann.put(PATH, meeting('review', 'x'), { 'if-schedule-tag-match': '"a" "b"' })).status).toBe(400);
  });

  it('COPY answers the destination’s tag; If-Schedule-Tag-Match applies to the source', async () => {
    const current = await getTag(ann, PATH);
    const stale = await ann.request('COPY', PATH, { headers: { destination: `${server.url}/dav/calendars/ann/default/review-copy.ics`, 'if-schedule-tag-match': '"stale"' } });
    expect(stale.status).toBe(412);
    // A copy's UID would clash with its source in the same calendar: copies go into a calendar of their own.
    expect(
      (
        await ann.request('MKCALENDAR', '/dav/calendars/ann/archive/', {
          body: '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"/>',
          headers: { 'content-type': 'application/xml; charset=utf-8' },
        })
      ).status,
    ).toBe(201);
    const copy = await ann.request('COPY', '/dav/calendars/ann/default/plain.ics', { headers: { destination: `${server.url}/dav/calendars/ann/archive/plain.ics` } });
    expect(copy.status).toBe(201);
    expect(copy.headers.get('schedule-tag')).toBeNull();
    const archived = '/dav/calendars/ann/archive/review.ics';
    const res = await ann.request('COPY', PATH, { headers: { destination: `${server.url}${archived}`, 'if-schedule-tag-match': current! } });
    expect(res.status).toBe(201);
    expect(res.headers.get('schedule-tag')).toMatch(/^"[^"]+"$/);
    expect(res.headers.get('schedule-tag')).toBe(await getTag(ann, archived));
    expect(await getTag(ann, PATH)).toBe(current);
  });

  it('DELETE with If-Schedule-Tag-Match: 412 on a stale tag, 204 on the current one', async () => {
    const current = await getTag(ann, PATH);
    expect((await ann.request('DELETE', PATH, { headers: { 'if-schedule-tag-match': '"stale"' } })).status).toBe(412);
    expect((await ann.request('GET', PATH)).status).toBe(200);
    expect((await ann.request('DELETE', PATH, { headers: { 'if-schedule-tag-match': current! } })).status).toBe(204);
    expect((await ann.request('GET', PATH)).status).toBe(404);
  });

  it('writes that take the one-statement path (no listener concerned) set and change the tag too', async () => {
    const view = (await server.domain.calendars.get('principals/ann', 'default'))!;
    const user = (await server.domain.users.get('ann'))!;
    const actor = { userId: user.id, username: 'ann', principaluri: 'principals/ann' };
    const path = '/dav/calendars/ann/default/feed.ics';
    // 'feeds' concerns no listener, and `known` says what is at the name: the write is one statement.
    const first = await server.domain.objects.put(actor, view, 'feed.ics', meeting('feed', 'From a feed'), {}, 'feeds', null);
    expect(first.scheduleTag).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await getTag(ann, path)).toBe(`"${first.scheduleTag}"`);
    const known = (await server.domain.objects.get(view, 'feed.ics'))!;
    const second = await server.domain.objects.put(actor, view, 'feed.ics', meeting('feed', 'From a feed, updated'), {}, 'feeds', known);
    expect(second.scheduleTag).not.toBe(first.scheduleTag);
    expect(await getTag(ann, path)).toBe(`"${second.scheduleTag}"`);
    const stale = server.domain.objects.put(actor, view, 'feed.ics', meeting('feed', 'Stale'), { ifScheduleTagMatch: first.scheduleTag! }, 'feeds', await server.domain.objects.get(view, 'feed.ics'));
    await expect(stale).rejects.toMatchObject({ kind: 'PreconditionFailed' });
  });

  it('a local attendee’s copy has a tag of its own: it changes when the organizer changes the event and when the attendee writes', async () => {
    const invite = (summary: string) =>
      calendar(event('standup', ['DTSTART:20260411T090000Z', 'DTEND:20260411T091500Z', `SUMMARY:${summary}`, 'ORGANIZER:mailto:ann@example.org', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:ben@example.org']));
    expect((await ann.put('/dav/calendars/ann/default/standup.ics', invite('Standup'))).status).toBe(201);
    const copy = '/dav/calendars/ben/default/standup.ics';
    const b1 = await getTag(ben, copy);
    expect(b1).toMatch(/^"[^"]+"$/);
    expect(b1).not.toBe(await getTag(ann, '/dav/calendars/ann/default/standup.ics'));

    expect((await ann.put('/dav/calendars/ann/default/standup.ics', invite('Standup, earlier'))).status).toBe(204);
    const b2 = await getTag(ben, copy);
    expect(b2).not.toBe(b1);
    // Ben's client wrote against the copy before the organizer's change: refused, as §3.2.10 wants.
    const mine = unfold((await ben.request('GET', copy)).text).replace('PARTSTAT=NEEDS-ACTION', 'PARTSTAT=ACCEPTED');
    expect((await ben.put(copy, mine, { 'if-schedule-tag-match': b1! })).status).toBe(412);
    const accepted = await ben.put(copy, mine, { 'if-schedule-tag-match': b2! });
    expect(accepted.status).toBe(204);
    expect(accepted.headers.get('schedule-tag')).not.toBe(b2);
  });
  it('a PUT with a matching If-Schedule-Tag-Match keeps the answers recorded since that tag when nothing that matters changed; a change that matters stands as sent', async () => {
    const put = await ann.put(PATH, meeting('review', 'Merge'));
    expect(put.status).toBeLessThan(300);
    const tag = put.headers.get('schedule-tag')!;
    await applyReply('DECLINED');
    // Ann's client still holds carl as NEEDS-ACTION; it adds a note of its own (not a change invitees see).
    const stale = meeting('review', 'Merge').replace('SUMMARY:Merge', 'X-CLIENT-NOTE:bring slides\r\nSUMMARY:Merge');
    const merged = await ann.put(PATH, stale, { 'if-schedule-tag-match': tag });
    expect(merged.status).toBe(204);
    const stored = unfold((await ann.request('GET', PATH)).text);
    expect(stored).toMatch(/PARTSTAT=DECLINED:mailto:carl@elsewhere\.example/);
    expect(stored).toContain('X-CLIENT-NOTE:bring slides');
    expect(merged.headers.get('schedule-tag')).toBe(await getTag(ann, PATH));
    // Moving the meeting matters: the client's answers (everyone asked again) are what it sent.
    const moved = meeting('review', 'Merge, moved');
    expect((await ann.put(PATH, moved, { 'if-schedule-tag-match': (await getTag(ann, PATH))! })).status).toBe(204);
    expect(unfold((await ann.request('GET', PATH)).text)).toMatch(/PARTSTAT=NEEDS-ACTION:mailto:carl@elsewhere\.example/);
  });
});
