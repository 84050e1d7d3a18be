// views: progressive help; every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const views = document.querySelector('.views');
  if (!views) return;
  const url = new URL(location.href);
  // A phone opens on the agenda when no view was asked for (without script the month stays).
  if (!url.searchParams.has('mode') && window.matchMedia('(max-width: 37.5rem)').matches) {
    url.searchParams.set('mode', 'agenda');
    location.replace(url.toString());
    return;
  }
  // Arrow keys move between the empty slots (hours and days, or the days of the month); one slot
  // is in the Tab order at a time (a roving tabindex), Enter follows its link (new event there).
  for (const grid of document.querySelectorAll('[data-nav="grid"]')) {
    const slots = Array.from(grid.querySelectorAll('a.slot[data-x]')).filter((a) => !a.classList.contains('band-slot'));
    if (!slots.length) continue;
    const at = new Map(slots.map((a) => [`${a.dataset.x},${a.dataset.y}`, a]));
    const xs = slots.map((a) => Number(a.dataset.x));
    const ys = slots.map((a) => Number(a.dataset.y));
    const maxX = Math.max(...xs);
    const maxY = Math.max(...ys);
    const todayCol = grid.querySelector('.tg-col.today a.slot, .mday.today');
    const start = (todayCol && grid.querySelector('.tg-col.today a.slot[data-y="9"]')) || todayCol || at.get('0,9') || slots[0];
    const make = (a) => {
      for (const s of slots) s.tabIndex = s === a ? 0 : -1;
    };
    make(start);
    grid.addEventListener('keydown', (e) => {
      const a = e.target;
      if (!(a instanceof HTMLElement) || !a.classList.contains('slot') || a.classList.contains('band-slot')) return;
      let x = Number(a.dataset.x);
      let y = Number(a.dataset.y);
      const month = grid.classList.contains('month');
      if (e.key === 'ArrowLeft') x -= 1;
      else if (e.key === 'ArrowRight') x += 1;
      else if (e.key === 'ArrowUp') y -= 1;
      else if (e.key === 'ArrowDown') y += 1;
      else return;
      // The month flows from one week row to the next, as a calendar reads.
      if (month && x < 0 && y > 0) [x, y] = [maxX, y - 1];
      if (month && x > maxX && y < maxY) [x, y] = [0, y + 1];
      const next = at.get(`${x},${y}`);
      e.preventDefault();
      if (!next) return;
      make(next);
      next.focus();
    });
    grid.addEventListener('focusin', (e) => {
      if (e.target instanceof HTMLElement && at.get(`${e.target.dataset.x},${e.target.dataset.y}`) === e.target) make(e.target);
    });
  }
  // The hour grid opens at the morning (or an hour before now); the now-line follows the clock.
  const scroller = document.querySelector('.tg-scroll');
  if (scroller) {
    const now = scroller.querySelector('.now');
    const nine = scroller.querySelector('.tg-col .slot[data-y="8"]');
    const target = now || nine;
    if (target) scroller.scrollTop = Math.max(0, target.offsetTop - (now ? scroller.clientHeight / 3 : 8));
    if (now && now.dataset.zone) {
      const fmt = new Intl.DateTimeFormat('en', { timeZone: now.dataset.zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      setInterval(() => {
        const parts = Object.fromEntries(fmt.formatToParts(new Date()).map((p) => [p.type, p.value]));
        const minute = (Number(parts.hour) % 24) * 60 + Number(parts.minute);
        const row = Math.floor(minute / 15);
        // Past midnight the line belongs to another day: the next page load draws it there.
        now.className = `now r${row} m${minute % 15}`;
      }, 60000);
    }
  }
});
