// Progressive help for the Calendula web UI; every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // Copy buttons: the value of the input they name.
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const input = document.getElementById(button.dataset.copy);
      if (!input) return;
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
      } catch {
        document.execCommand('copy');
      }
      const before = button.textContent;
      button.textContent = button.dataset.copied || before;
      setTimeout(() => {
        button.textContent = before;
      }, 1500);
    });
  }
  // A select that changes the page when it changes (the language switch).
  for (const select of document.querySelectorAll('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form && select.form.submit());
  }
  // Typed confirmations: the delete button waits for the exact name.
  for (const input of document.querySelectorAll('input[data-must-equal]')) {
    const button = document.getElementById(input.dataset.controls);
    if (!button) continue;
    const check = () => {
      button.disabled = input.value.trim() !== input.dataset.mustEqual;
    };
    input.addEventListener('input', check);
    check();
  }
  // All-day events have no times.
  const allDay = document.getElementById('ev-allday');
  if (allDay) {
    const times = ['ev-st', 'ev-et'].map((id) => document.getElementById(id)).filter(Boolean);
    const sync = () => {
      for (const t of times) t.disabled = allDay.checked;
    };
    allDay.addEventListener('change', sync);
    sync();
  }
});
