// forms: progressive help; every page works without it.
'use strict';
