// tasks: progressive help; every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form.task-form');
  if (!form) return;
  // A refused form: the cursor goes to the first field the server named.
  const invalid = form.querySelector('[aria-invalid=true]');
  if (invalid) invalid.focus();
  // A due time without a due date is refused: clearing the date clears the time.
  const date = document.getElementById('tk-due');
  const time = document.getElementById('tk-time');
  if (date && time) {
    date.addEventListener('change', () => {
      if (!date.value) time.value = '';
    });
  }
});
