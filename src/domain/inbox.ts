// The schedule inbox (RFC 6638 §4.1): every iTIP message delivered to a user here (an invitation,
// an update, a cancellation, a reply) leaves a copy in their inbox, whether scheduling also put
// it into a calendar (local users) or not (mail from elsewhere: `imip receive`). Clients list it,
// read it, sync it (getctag, sync-token, sync-collection) and delete what they have handled;
// items older than INBOX_RETENTION_DAYS go by themselves. Items are never rewritten: each
// delivery is a new name, so the change log (one row per item) says only "arrived" or "went".
import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import {
  bumpInbox,
  deleteInboxItem,
  inboxSyncState,
  insertInboxItem,
  pruneInboxChanges,
  pruneInboxItems,
  selectInboxChanges,
  selectInboxItems,
  selectInboxItemsByUri,
  selectScheduleDefaultCalendar,
  updateScheduleDefaultCalendar,
} from '../db/tables/schedulingInbox.ts';
import { owns } from './access.ts';
import { loadViews, type Actor } from './calendars.ts';
import { OP_ADDED, OP_DELETED, readChangeLog } from './changeLog.ts';
import type { DomainContext } from './context.ts';
import { INBOX_MEMBER, noteHomeMember } from './homeSync.ts';
import { CALDAV_NS, forbidden, notFound, preconditionFailed } from './errors.ts';
import { checkConditions, etagOf, type WriteConditions } from './objects.ts';

export interface InboxItemMeta {
  uri: string;
  etag: string;
  size: number;
  /** Epoch seconds. */
  lastmodified: number;
}

export interface InboxItem extends InboxItemMeta {
  data: string;
}

export interface InboxChanges {
  /** Items that arrived since the token and are still there, and items that went. */
  changed: InboxItemMeta[];
  removed: string[];
  token: number;
  truncated: boolean;
}

/** The precondition of RFC 6638 §9.2 for a default calendar that cannot be one. */
const VALID_DEFAULT_CALENDAR = { namespace: CALDAV_NS, name: 'valid-schedule-default-calendar-URL' } as const;

const toMeta = (r: InboxItemMeta): InboxItemMeta => ({ uri: r.uri, etag: r.etag, size: Number(r.size), lastmodified: Number(r.lastmodified) });

export class InboxService {
  constructor(private readonly ctx: DomainContext) {}

  /**
   * Leaves an iTIP message (METHOD set) in a principal's inbox, inside the caller's transaction;
   * returns the item's name.
   */
  async deliver(em: SqlEntityManager, principaluri: string, itipText: string): Promise<string> {
    const uri = `${randomUUID()}.ics`;
    const at = this.ctx.clock.now();
    await insertInboxItem(em, { principaluri, uri, data: itipText, etag: etagOf(itipText), at });
    await bumpInbox(em, principaluri, uri, false, at);
    return uri;
  }

  /** The inbox's items (metadata only), oldest first; the retention bounds how many there are. */
  async list(principaluri: string): Promise<InboxItemMeta[]> {
    return (await selectInboxItems(this.ctx.db.em(), principaluri)).map(toMeta);
  }

  async getMeta(principaluri: string, uri: string): Promise<InboxItemMeta | null> {
    const row = (await selectInboxItemsByUri(this.ctx.db.em(), principaluri, [uri], false))[0];
    return row ? toMeta(row) : null;
  }

  async get(principaluri: string, uri: string): Promise<InboxItem | null> {
    return (await this.getMany(principaluri, [uri]))[0] ?? null;
  }

  /** The named items that are there, with their text (calendar-multiget on the inbox). */
  async getMany(principaluri: string, uris: string[]): Promise<InboxItem[]> {
    const out: InboxItem[] = [];
    for (let i = 0; i < uris.length; i += 1000) {
      const rows = await selectInboxItemsByUri(this.ctx.db.em(), principaluri, [...new Set(uris.slice(i, i + 1000))], true);
      out.push(...rows.map((r) => ({ ...toMeta(r), data: r.calendardata ?? '' })));
    }
    return out;
  }

  /** Deletes an item the user has handled (If-Match honoured); the inbox's token moves. */
  async remove(principaluri: string, uri: string, cond: WriteConditions = {}): Promise<void> {
    await this.ctx.db.transactional(async (em) => {
      const found = (await selectInboxItemsByUri(em, principaluri, [uri], false))[0];
      if (!found) throw notFound('no such item in the inbox');
      checkConditions(found.etag, cond);
      // An inbox item is no scheduling object resource: it has no Schedule-Tag to match.
      if (cond.ifScheduleTagMatch !== undefined) throw preconditionFailed('an inbox item has no Schedule-Tag (If-Schedule-Tag-Match)');
      if (!(await deleteInboxItem(em, principaluri, uri, found.etag))) throw notFound('the item went while it was deleted');
      await bumpInbox(em, principaluri, uri, true, this.ctx.clock.now());
    });
  }

  /** The inbox's sync token (its getctag too). */
  async syncToken(principaluri: string): Promise<number> {
    return (await inboxSyncState(this.ctx.db.em(), principaluri))?.synctoken ?? 0;
  }

  /** What changed since a sync token (RFC 6578); Forbidden with DAV:valid-sync-token when it cannot be answered. */
  async changesSince(principaluri: string, token: number, limit?: number): Promise<InboxChanges> {
    const em = this.ctx.db.em();
    const state = await inboxSyncState(em, principaluri);
    if (!state) throw notFound('no such inbox');
    const log = await readChangeLog(state, token, limit, async (from, below, n) =>
      (await selectInboxChanges(em, principaluri, from, below, n)).map((r) => ({ uri: r.uri, synctoken: Number(r.synctoken), operation: r.deleted ? OP_DELETED : OP_ADDED })),
    );
    const present = log.present.length ? await selectInboxItemsByUri(em, principaluri, log.present, false) : [];
    const found = new Set(present.map((r) => r.uri));
    return { changed: present.map(toMeta), removed: log.logged.filter((u) => !found.has(u)), token: log.token, truncated: log.truncated };
  }

  /**
   * Removes items older than INBOX_RETENTION_DAYS (each logged as gone, so clients syncing the
   * inbox see them go) and forgets removals older than SYNC_LOG_RETENTION_DAYS. Returns how many
   * items went.
   */
  async prune(): Promise<number> {
    const now = this.ctx.clock.now();
    const itemsBefore = new Date(now.getTime() - this.ctx.config.scheduling.inboxRetentionDays * 86400_000);
    const logBefore = new Date(now.getTime() - this.ctx.config.syncLogRetentionDays * 86400_000);
    const items = await this.ctx.db.transactional((em) => pruneInboxItems(em, itemsBefore, now));
    await this.ctx.db.transactional((em) => pruneInboxChanges(em, logBefore));
    return items;
  }

  /**
   * The calendar (its name in the home) the user chose for invitations, while it is still one of
   * their own calendars that holds events; null when they chose none or it no longer qualifies.
   */
  async defaultCalendar(principaluri: string): Promise<string | null> {
    const em = this.ctx.db.em();
    const uri = await selectScheduleDefaultCalendar(em, principaluri);
    if (uri === null) return null;
    const view = (await loadViews(em, { principaluri, uri }))[0];
    return view && owns(view) && view.components.includes('VEVENT') ? uri : null;
  }

  /** Why a calendar of the user's home cannot take invitations, or null when it can. */
  async defaultCalendarProblem(actor: Actor, calendarUri: string): Promise<string | null> {
    const view = (await loadViews(this.ctx.db.em(), { principaluri: actor.principaluri, uri: calendarUri }))[0];
    if (!view) return 'there is no such calendar in your home';
    if (!owns(view)) return 'a calendar shared with you cannot take your invitations';
    if (view.generated !== null) return 'the server writes this calendar itself';
    if (!view.components.includes('VEVENT')) return 'this calendar holds no events';
    return null;
  }

  /**
   * Sets where invitations land (schedule-default-calendar-URL, RFC 6638 §9.2): one of the
   * user's own calendars (not a share, not a generated one) that holds events; null: the server
   * chooses again.
   */
  async setDefaultCalendar(actor: Actor, calendarUri: string | null): Promise<void> {
    if (calendarUri !== null) {
      const problem = await this.defaultCalendarProblem(actor, calendarUri);
      if (problem) throw forbidden(`not a default calendar: ${problem}`, { precondition: VALID_DEFAULT_CALENDAR });
    }
    // The home's sync-collection reports the inbox as changed (clients read the new default there).
    await this.ctx.db.transactional(async (em) => {
      await updateScheduleDefaultCalendar(em, actor.principaluri, calendarUri);
      await noteHomeMember(em, actor.principaluri, INBOX_MEMBER, 'changed', this.ctx.clock.now());
    });
  }
}
