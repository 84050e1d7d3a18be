// forms: progressive help; every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // The sign-in form sends the browser's time zone: a user without one gets it stored.
  for (const input of document.querySelectorAll('input[data-browser-zone]')) {
    try {
      input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch {
      input.value = '';
    }
  }
  // A refused form: the first marked field takes the focus, so its message is read out.
  const invalid = document.querySelector('main [aria-invalid=true]');
  if (invalid && typeof invalid.focus === 'function') invalid.focus();
});
