// Wall-clock minutes after midnight of an instant in a zone: where the hour grid puts it.
import type { DayFrame } from './layout.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

export function minuteOfDay(zone: string): (epoch: number) => number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    if (formatters.size > 200) formatters.clear();
    formatters.set(zone, f);
  }
  const fmt = f;
  return (epoch: number) => {
    let h = 0;
    let m = 0;
    for (const p of fmt.formatToParts(epoch * 1000)) {
      if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') m = Number(p.value);
    }
    return (h % 24) * 60 + m;
  };
}

/**
 * The same for an instant within a known day: plain arithmetic from the day's midnight on a day
 * of 24 hours (no clock change in it), the zone's rules only on the days the clocks change.
 */
export function minuteInDay(zone: string): (epoch: number, day: DayFrame) => number {
  const slow = minuteOfDay(zone);
  return (epoch, day) => (day.end - day.start === 86400 ? Math.floor((epoch - day.start) / 60) : slow(epoch));
}
