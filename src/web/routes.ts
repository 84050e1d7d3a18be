// The web UI's routes: a table of named handlers, each with who may call it. The router
// (router.ts) does sessions, CSRF, body parsing and the one error funnel around them.
import { MAX_TOKEN_LENGTH } from '../domain/answerLinks.ts';
import type { WebHandler } from './call.ts';
import { createUser, deleteUser, listSyncs, listUsers, resetPassword, showStatus, showUser, updateUser } from './pages/admin.ts';
import { createAppPassword, revokeAppPassword, showAppPasswords } from './pages/appPasswords.ts';
import { changePassword, savePreferences, setBirthdays, showAccount } from './pages/account.ts';
import { addShare, createCalendar, deleteCalendar, exportCalendar, listCalendars, removeShare, setPublic, showCalendar, updateCalendar } from './pages/calendars.ts';
import { createAddressBook, deleteAddressBook, exportAddressBook, listAddressBooks, showAddressBook, updateAddressBook } from './pages/addressBooks.ts';
import { downloadProfile, showConnect } from './pages/connect.ts';
import { runCardImport, showCardImport } from './pages/contactImport.ts';
import { confirmDeleteContact, createContact, deleteContact, editContactForm, listContacts, newContactForm, showContact, updateContact } from './pages/contacts.ts';
import { answerEvent, createEvent, deleteEvent, editEventForm, newEventForm, updateEvent } from './pages/eventForm.ts';
import { confirmDeleteEvent, showEvent } from './pages/eventPage.ts';
import { postAnswer, showAnswer } from './pages/answer.ts';
import { runImport, showImport } from './pages/importPage.ts';
import { showSharing } from './pages/sharing.ts';
import { home, showSignIn, signIn, signOut } from './pages/signIn.ts';
import { confirmDeleteTask, createTask, deleteTask, newTaskForm, showTask, showTasks, toggleTask, updateTask } from './pages/tasks.ts';
import { setCalendarHidden, showView } from './pages/views.ts';

export type Access = 'public' | 'user' | 'admin';

export interface WebRoute {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
  run: WebHandler;
  /** The body is multipart/form-data (a file upload). */
  multipart?: boolean;
  /** The longest path parameter taken (512 unless given): an answer link's token is longer. */
  maxParamLength?: number;
}

export const WEB_ROUTES: readonly WebRoute[] = [
  { method: 'GET', path: '/', access: 'public', run: home },
  { method: 'GET', path: '/sign-in', access: 'public', run: showSignIn },
  { method: 'POST', path: '/sign-in', access: 'public', run: signIn },
  { method: 'POST', path: '/sign-out', access: 'user', run: signOut },

  // The answer link of an invitation mail: no sign-in, the signed token is the authority.
  { method: 'GET', path: '/answer/:token', access: 'public', run: showAnswer, maxParamLength: MAX_TOKEN_LENGTH },
  { method: 'POST', path: '/answer/:token', access: 'public', run: postAnswer, maxParamLength: MAX_TOKEN_LENGTH },

  { method: 'GET', path: '/my/view', access: 'user', run: showView },
  { method: 'POST', path: '/my/view/calendars/:cal/hidden', access: 'user', run: setCalendarHidden },
  { method: 'GET', path: '/my/tasks', access: 'user', run: showTasks },
  { method: 'POST', path: '/my/tasks', access: 'user', run: createTask },
  { method: 'GET', path: '/my/tasks/new', access: 'user', run: newTaskForm },
  { method: 'GET', path: '/my/tasks/:cal/:obj', access: 'user', run: showTask },
  { method: 'POST', path: '/my/tasks/:cal/:obj', access: 'user', run: updateTask },
  { method: 'GET', path: '/my/tasks/:cal/:obj/delete', access: 'user', run: confirmDeleteTask },
  { method: 'POST', path: '/my/tasks/:cal/:obj/delete', access: 'user', run: deleteTask },
  { method: 'POST', path: '/my/tasks/:cal/:obj/done', access: 'user', run: toggleTask },
  { method: 'GET', path: '/my/events/new', access: 'user', run: newEventForm },
  { method: 'POST', path: '/my/events', access: 'user', run: createEvent },
  { method: 'GET', path: '/my/events/:cal/:obj', access: 'user', run: showEvent },
  { method: 'POST', path: '/my/events/:cal/:obj', access: 'user', run: updateEvent },
  { method: 'GET', path: '/my/events/:cal/:obj/edit', access: 'user', run: editEventForm },
  { method: 'GET', path: '/my/events/:cal/:obj/delete', access: 'user', run: confirmDeleteEvent },
  { method: 'POST', path: '/my/events/:cal/:obj/delete', access: 'user', run: deleteEvent },
  { method: 'POST', path: '/my/events/:cal/:obj/answer', access: 'user', run: answerEvent },

  // Contacts: fixed second segments (new, import, card, books), so no address-book name can
  // shadow a page.
  { method: 'GET', path: '/my/contacts', access: 'user', run: listContacts },
  { method: 'POST', path: '/my/contacts', access: 'user', run: createContact },
  { method: 'GET', path: '/my/contacts/new', access: 'user', run: newContactForm },
  { method: 'GET', path: '/my/contacts/import', access: 'user', run: showCardImport },
  { method: 'POST', path: '/my/contacts/import', access: 'user', run: runCardImport, multipart: true },
  { method: 'GET', path: '/my/contacts/card/:book/:card', access: 'user', run: showContact },
  { method: 'POST', path: '/my/contacts/card/:book/:card', access: 'user', run: updateContact },
  { method: 'GET', path: '/my/contacts/card/:book/:card/edit', access: 'user', run: editContactForm },
  { method: 'GET', path: '/my/contacts/card/:book/:card/delete', access: 'user', run: confirmDeleteContact },
  { method: 'POST', path: '/my/contacts/card/:book/:card/delete', access: 'user', run: deleteContact },
  { method: 'GET', path: '/my/contacts/books', access: 'user', run: listAddressBooks },
  { method: 'POST', path: '/my/contacts/books', access: 'user', run: createAddressBook },
  { method: 'GET', path: '/my/contacts/books/:book', access: 'user', run: showAddressBook },
  { method: 'POST', path: '/my/contacts/books/:book', access: 'user', run: updateAddressBook },
  { method: 'GET', path: '/my/contacts/books/:book/export', access: 'user', run: exportAddressBook },
  { method: 'POST', path: '/my/contacts/books/:book/delete', access: 'user', run: deleteAddressBook },

  { method: 'GET', path: '/my/calendars', access: 'user', run: listCalendars },
  { method: 'POST', path: '/my/calendars', access: 'user', run: createCalendar },
  { method: 'GET', path: '/my/calendars/:cal', access: 'user', run: showCalendar },
  { method: 'POST', path: '/my/calendars/:cal', access: 'user', run: updateCalendar },
  { method: 'GET', path: '/my/calendars/:cal/export', access: 'user', run: exportCalendar },
  { method: 'POST', path: '/my/calendars/:cal/public', access: 'user', run: setPublic },
  { method: 'POST', path: '/my/calendars/:cal/shares', access: 'user', run: addShare },
  { method: 'POST', path: '/my/calendars/:cal/shares/:user/delete', access: 'user', run: removeShare },
  { method: 'POST', path: '/my/calendars/:cal/delete', access: 'user', run: deleteCalendar },

  { method: 'GET', path: '/my/import', access: 'user', run: showImport },
  { method: 'POST', path: '/my/import', access: 'user', run: runImport, multipart: true },
  { method: 'GET', path: '/my/sharing', access: 'user', run: showSharing },
  { method: 'GET', path: '/my/app-passwords', access: 'user', run: showAppPasswords },
  { method: 'POST', path: '/my/app-passwords', access: 'user', run: createAppPassword },
  { method: 'POST', path: '/my/app-passwords/:id/revoke', access: 'user', run: revokeAppPassword },
  { method: 'GET', path: '/my/account', access: 'user', run: showAccount },
  { method: 'POST', path: '/my/account/password', access: 'user', run: changePassword },
  { method: 'POST', path: '/my/account/preferences', access: 'user', run: savePreferences },
  { method: 'POST', path: '/my/account/birthdays', access: 'user', run: setBirthdays },
  { method: 'GET', path: '/my/connect', access: 'user', run: showConnect },
  { method: 'GET', path: '/my/connect/apple.mobileconfig', access: 'user', run: downloadProfile },

  { method: 'GET', path: '/admin/users', access: 'admin', run: listUsers },
  { method: 'POST', path: '/admin/users', access: 'admin', run: createUser },
  { method: 'GET', path: '/admin/users/:name', access: 'admin', run: showUser },
  { method: 'POST', path: '/admin/users/:name', access: 'admin', run: updateUser },
  { method: 'POST', path: '/admin/users/:name/password', access: 'admin', run: resetPassword },
  { method: 'POST', path: '/admin/users/:name/delete', access: 'admin', run: deleteUser },
  { method: 'GET', path: '/admin/synchronizations', access: 'admin', run: listSyncs },
  { method: 'GET', path: '/admin/status', access: 'admin', run: showStatus },
];
