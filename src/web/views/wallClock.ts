// Wall-clock minutes after midnight of an instant in a zone: where the hour grid puts it.
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
