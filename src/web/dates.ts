// Dates as the UI shows and reads them: in the viewer's zone and language.
import { wallClockToEpoch } from '../ical/time.ts';
import type { Lang } from './i18n/index.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, zone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${zone}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { timeZone: zone, ...opts });
    if (formatters.size > 500) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

export function formatDateTime(lang: Lang, zone: string, epoch: number): string {
  return formatter(lang, zone, { dateStyle: 'medium', timeStyle: 'short' }).format(epoch * 1000);
}

export function formatDate(lang: Lang, zone: string, epoch: number, style: 'full' | 'medium' = 'medium'): string {
  return formatter(lang, zone, { dateStyle: style }).format(epoch * 1000);
}

export function formatTime(lang: Lang, zone: string, epoch: number): string {
  return formatter(lang, zone, { timeStyle: 'short' }).format(epoch * 1000);
}

export function formatMonth(lang: Lang, zone: string, epoch: number): string {
  return formatter(lang, zone, { month: 'long', year: 'numeric' }).format(epoch * 1000);
}

export function weekdayShort(lang: Lang, zone: string, epoch: number): string {
  return formatter(lang, zone, { weekday: 'short' }).format(epoch * 1000);
}

/** YYYY-MM-DD of an instant in the zone. */
export function isoDay(zone: string, epoch: number): string {
  const p: Record<string, string> = {};
  for (const part of formatter('en', zone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(epoch * 1000)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}`;
}

/** Midnight starting a day (YYYY-MM-DD) in the zone, as epoch seconds. */
export function dayStart(zone: string, day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return wallClockToEpoch(zone, y, m, d, 0, 0, 0) ?? Date.UTC(y, m - 1, d) / 1000;
}

/** The day `n` days after `day` (calendar arithmetic, no zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

export function isDay(v: unknown): v is string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const [y, m, d] = v.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && y <= 2200 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
