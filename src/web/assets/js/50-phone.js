// phone: progressive help; every page works without it.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const fold = document.getElementById('menu-fold');
  if (!fold) return;
  // A browser without ::details-content cannot show a closed <details>'s content on a wide
  // screen by CSS alone: open it there (and fold it again when the window becomes narrow).
  let supported = false;
  try {
    supported = CSS.supports('selector(::details-content)');
  } catch {
    supported = false;
  }
  if (!supported) {
    const wide = window.matchMedia('(min-width: 600.02px)');
    const sync = () => {
      fold.open = wide.matches;
    };
    wide.addEventListener('change', sync);
    sync();
  }
  // Escape folds the open menu on a phone and gives the focus back to its button.
  fold.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && fold.open && window.matchMedia('(max-width: 600px)').matches) {
      fold.open = false;
      fold.querySelector('summary')?.focus();
    }
  });
});
