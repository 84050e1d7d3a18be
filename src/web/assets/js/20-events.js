// events: progressive help; every page works without it. On the event form, "All day" hides
// the times and the time zone, "Ends" shows only with a repeat, and a custom reminder's minutes
// only when "Custom" is chosen (without script all fields show and the server ignores what does
// not apply).
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form.event-form');
  if (!form) return;
  const allDay = form.querySelector('#ev-allday');
  const timeFields = form.querySelectorAll('.time-field');
  const syncAllDay = () => {
    for (const el of timeFields) el.hidden = Boolean(allDay && allDay.checked);
  };
  if (allDay) {
    allDay.addEventListener('change', syncAllDay);
    syncAllDay();
  }
  const repeat = form.querySelector('#ev-repeat');
  const ends = form.querySelector('#ev-ends');
  const syncRepeat = () => {
    if (ends) ends.hidden = !repeat.value;
  };
  if (repeat) {
    repeat.addEventListener('change', syncRepeat);
    syncRepeat();
  }
  for (const select of form.querySelectorAll('select[data-reminder]')) {
    const custom = form.querySelector(`[data-custom-for="${select.id}"]`);
    if (!custom) continue;
    const sync = () => {
      custom.hidden = select.value !== 'custom';
    };
    select.addEventListener('change', sync);
    sync();
  }
});
