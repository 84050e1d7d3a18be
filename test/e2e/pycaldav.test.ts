// python3-caldav (Debian package, run with /usr/bin/python3) end to end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/testServer.ts';

const run = promisify(execFile);
const hasCaldav = existsSync('/usr/lib/python3/dist-packages/caldav/__init__.py');

describe.runIf(hasCaldav)('python3-caldav end to end (needs Debian python3-caldav; .ci/run installs it)', () => {
  const server = useTestServer();
  server.user('py', { email: 'py@example.org' });

  it('discovers, creates calendars, saves and searches events, tasks and notes, syncs by token and asks free-busy', async () => {
    const { stdout } = await run('/usr/bin/python3', [new URL('./python/caldav_roundtrip.py', import.meta.url).pathname, server.url, 'py', 'py-password'], {
      timeout: 120_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.principal).toBe(`${server.url}/dav/principals/py/`);
    expect(out.home).toBe(`${server.url}/dav/calendars/py/`);
    expect(out.addresses).toContain('mailto:py@example.org');
    expect(out.calendars).toEqual(['Birthdays', 'Default Calendar', 'Py Events', 'Py Notes', 'Py Tasks']);
    expect(out.components).toEqual({ events: ['VEVENT'], tasks: ['VTODO'] });
    expect(out.date_search).toEqual(['py-weekly']);
    expect(out.date_search_exdate).toBe(0);
    expect(out.expanded_starts).toEqual(['2026-01-12T09:00', '2026-01-26T14:00', '2026-02-02T09:00']);
    expect(out.todos_open).toEqual(['Open task']);
    expect(out.todos_all).toBe(2);
    expect(out.journals).toEqual(['A note']);
    expect(out.sync_initial).toBe(2);
    expect(out.sync_changed).toEqual(['py-lunch', 'py-new']);
    expect(out.sync_after_delete).toBe(1);
    // "Lunch" was deleted before the question; "New" on 03-01 is inside the range.
    expect(out.freebusy).toEqual(['20260202T090000Z/20260202T100000Z', '20260209T090000Z/20260209T100000Z', '20260301T120000Z/20260301T130000Z']);
  });
});
