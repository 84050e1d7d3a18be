// Builds every domain service over one context. Faces receive this object and nothing else: the
// services and the clock, never the context (its database handle stays inside the domain).
import type { Clock } from '../clock.ts';
import { AddressBookService } from './addressBooks.ts';
import { AgendaService } from './agenda.ts';
import { AnswerLinks } from './answerLinks.ts';
import { BirthdayService } from './birthdays.ts';
import { CalendarService } from './calendars.ts';
import { CardService } from './cards.ts';
import type { DomainContext } from './context.ts';
import { LoginFailureService } from './loginFailures.ts';
import { ObjectService } from './objects.ts';
import { QueryService } from './queries.ts';
import { ReplyService } from './replies.ts';
import { EventService } from './events.ts';
import { ExportService } from './exports.ts';
import { FeedService } from './feeds.ts';
import { InboxService } from './inbox.ts';
import { JobQueue } from './jobs.ts';
import { MailOutbox } from './mailOutbox.ts';
import { SchedulingService } from './scheduling.ts';
import { SynchronizationService } from './synchronizations.ts';
import type { ProviderRegistry } from './syncProviders.ts';
import { SharingService } from './sharing.ts';
import { TaskService } from './tasks.ts';
import { TokenService } from './tokens.ts';
import { SystemService } from './system.ts';
import { UserService } from './users.ts';
import { WebSessionService } from './webSessions.ts';

export interface Domain {
  /** The time every service reads (tests move it). */
  readonly clock: Clock;
  readonly users: UserService;
  readonly calendars: CalendarService;
  readonly objects: ObjectService;
  readonly queries: QueryService;
  readonly sharing: SharingService;
  readonly feeds: FeedService;
  readonly exports: ExportService;
  readonly events: EventService;
  readonly scheduling: SchedulingService;
  /** Schedule inboxes (RFC 6638 §4.1): copies of the iTIP messages each user received. */
  readonly inbox: InboxService;
  /** Signed links in invitation mails that let an attendee elsewhere answer without an account. */
  readonly answerLinks: AnswerLinks;
  /** iTIP messages that arrive by mail (`calendula imip receive`). */
  readonly replies: ReplyService;
  readonly jobs: JobQueue;
  /** iMIP messages to addresses elsewhere: queued with the write that causes them, sent by the mail worker. */
  readonly mailOutbox: MailOutbox;
  readonly synchronizations: SynchronizationService;
  readonly tokens: TokenService;
  readonly loginFailures: LoginFailureService;
  readonly system: SystemService;
  readonly webSessions: WebSessionService;
  readonly agenda: AgendaService;
  /** The web UI's tasks: listed, created, edited, moved between lists, done and deleted. */
  readonly tasks: TaskService;
  readonly addressBooks: AddressBookService;
  readonly cards: CardService;
  /** The birthday calendar: on or off per user (its events follow the cards by themselves). */
  readonly birthdays: BirthdayService;
}

export interface DomainOptions {
  /** The key that encrypts synchronization credentials (null: synchronizations cannot be set up). */
  secretKey?: Buffer | null;
  /** The synchronization types (src/sync/providers, from src/boot; none: none can be set up). */
  providers?: ProviderRegistry;
}

export function createDomain(ctx: DomainContext, opts: DomainOptions = {}): Domain {
  const calendars = new CalendarService(ctx);
  const objects = new ObjectService(ctx);
  const queries = new QueryService(ctx, objects);
  const feeds = new FeedService(ctx, calendars, objects);
  const jobs = new JobQueue(ctx);
  const users = new UserService(ctx);
  const inbox = new InboxService(ctx);
  const mailOutbox = new MailOutbox(ctx, jobs);
  const scheduling = new SchedulingService(ctx, objects, queries, inbox, mailOutbox);
  const synchronizations = new SynchronizationService(ctx, jobs, opts.providers ?? new Map(), opts.secretKey ?? null);

  // The write listeners, in the order they run inside every object write's transaction: implicit
  // scheduling (RFC 6638, with the iMIP mails it queues) for the events it concerns, then one
  // statement that queues the pushes of synchronized calendars.
  objects.onWrite(
    (em, change) => scheduling.onWrite(em, change),
    (change) => scheduling.concerns(change),
  );
  objects.onWriteStatement((change) => synchronizations.enqueueStatement(change));

  // The card write listeners, in the order they run inside every card write's transaction: the
  // birthday calendar follows the card (and drops a removed book's events).
  const addressBooks = new AddressBookService(ctx);
  const cards = new CardService(ctx);
  const birthdays = new BirthdayService(ctx, calendars, objects, addressBooks, cards);
  cards.onWrite((em, change) => birthdays.onCardWrite(em, change));
  addressBooks.onRemove((em, book) => birthdays.onBookRemove(em, book));

  return {
    clock: ctx.clock,
    users,
    calendars,
    objects,
    queries,
    sharing: new SharingService(ctx),
    feeds,
    exports: new ExportService(ctx, objects, queries),
    events: new EventService(ctx, objects),
    scheduling,
    inbox,
    answerLinks: new AnswerLinks(ctx, scheduling),
    replies: new ReplyService(ctx, scheduling, inbox),
    jobs,
    mailOutbox,
    synchronizations,
    tokens: new TokenService(ctx, feeds),
    loginFailures: new LoginFailureService(ctx),
    system: new SystemService(ctx),
    webSessions: new WebSessionService(ctx, users),
    agenda: new AgendaService(ctx, calendars, objects),
    tasks: new TaskService(ctx, calendars, objects),
    addressBooks,
    cards,
    birthdays,
  };
}
