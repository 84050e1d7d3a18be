// GET /metrics: Prometheus text that a Prometheus parser reads, counters that move with traffic,
// loopback-only without METRICS_TOKEN, token-only with it.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { basic, startTestServer } from '../helpers/server.ts';
import { useTestServer } from '../helpers/testServer.ts';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

const parse = (text: string): Map<string, Family> => new Map((parsePrometheusTextFormat(text) as Family[]).map((f) => [f.name, f]));
const value = (f: Family | undefined, labels: Record<string, string> = {}) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

describe('GET /metrics', () => {
  const server = useTestServer({ env: { TRUST_PROXY: 'true' } });
  server.user('alice');

  it('serves the Prometheus text format that a Prometheus parser reads, with every family documented', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parse(await res.text());
    for (const name of [
      'calendula_http_requests_total',
      'calendula_http_request_duration_seconds',
      'calendula_auth_failures_total',
      'calendula_auth_throttled_total',
      'nodejs_eventloop_lag_p99_seconds',
      'calendula_db_pool_connections',
      'calendula_db_query_errors_total',
      'calendula_jobs',
      'calendula_jobs_oldest_due_seconds',
      'calendula_users',
      'calendula_calendars',
      'calendula_objects',
      'calendula_compute_timeouts_total',
      'calendula_event_loop_stalls_total',
      'calendula_mail_sent_total',
      'calendula_mail_failed_total',
      'calendula_mail_queued',
      'calendula_mail_oldest_queued_seconds',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
    expect(value(families.get('calendula_users'))).toBe(2);
    // Without SMTP_URL the outbox is empty, and says so.
    expect(value(families.get('calendula_mail_queued'))).toBe(0);
    expect(value(families.get('calendula_mail_sent_total'))).toBe(0);
  });

  it('moves with traffic: requests by face, method and status, latency, authentication failures', async () => {
    const beforeText = await (await fetch(`${server.url}/metrics`)).text();
    const before = parse(beforeText);
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/dav/calendars/alice/`, { method: 'PROPFIND', headers: { authorization: basic('alice', 'alice-password'), depth: '0' } });
    await fetch(`${server.url}/dav/`, { method: 'PROPFIND', headers: { authorization: basic('alice', 'wrong-password') } });
    await fetch(`${server.url}/dav/calendars/alice/default/e.ics`, {
      method: 'PUT',
      headers: { authorization: basic('alice', 'alice-password'), 'content-type': 'text/calendar' },
      body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e\r\nDTSTART:20261204T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    });
    const afterText = await (await fetch(`${server.url}/metrics`)).text();
    const after = parse(afterText);
    const requests = (f: Map<string, Family>, labels: Record<string, string>) => value(f.get('calendula_http_requests_total'), labels) || 0;
    expect(requests(after, { face: 'caldav', method: 'PROPFIND', status: '207' }) - requests(before, { face: 'caldav', method: 'PROPFIND', status: '207' })).toBe(3);
    expect(requests(after, { face: 'caldav', method: 'PUT', status: '201' }) - requests(before, { face: 'caldav', method: 'PUT', status: '201' })).toBe(1);
    expect((value(after.get('calendula_auth_failures_total'), { face: 'caldav' }) || 0) - (value(before.get('calendula_auth_failures_total'), { face: 'caldav' }) || 0)).toBe(1);
    // The parser keeps only the buckets of a histogram: its count is read off the text.
    const count = (text: string) => Number(/^calendula_http_request_duration_seconds_count\{face="caldav"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    expect(count(afterText) - count(beforeText)).toBe(5);
    expect(value(after.get('calendula_objects'))).toBe(1);
  });

  it('is refused to requests from elsewhere when no METRICS_TOKEN is set (behind a trusted proxy: X-Forwarded-For)', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(res.status).toBe(403);
  });

  it('with METRICS_TOKEN set, asks for it from everywhere, loopback included', async () => {
    const guarded = await startTestServer({ METRICS_TOKEN: 'scrape-secret-123' });
    try {
      const none = await fetch(`${guarded.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-123' } });
      expect(ok.status).toBe(200);
      expect(parse(await ok.text()).has('calendula_http_requests_total')).toBe(true);
    } finally {
      await guarded.close();
    }
  });
});
