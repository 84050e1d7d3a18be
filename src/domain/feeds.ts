// Feed calendars: ordinary calendars of a user with a secret public ICS URL, that also show when
// the user's API tokens expire. A token is in a feed when added directly or when it carries one
// of the feed's tags. Membership is kept up to date whenever tokens, tags or feeds change, and the
// expiry events are written through the one object write path (so CalDAV sees them too).
import { FEEDS_ORIGIN } from './origins.ts';
import { createHash, randomInt } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { ApiToken, CalendarFeed, CalendarInstance, FeedTag, FeedToken, Tag, User } from '../db/entities/index.ts';
import * as feedTable from '../db/tables/feeds.ts';
import { expiryEvent } from '../ical/expiryEvent.ts';
import { loadViews, type Actor, type CalendarService, type CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { noteHomeMember } from './homeSync.ts';
import type { ObjectService } from './objects.ts';
import { ensureTags, type TagInfo } from './tags.ts';
import { principalUriOf } from './users.ts';

export interface FeedInfo {
  /** The public, secret id: 32 characters [A-Za-z0-9]. */
  feedId: string;
  instanceId: number;
  calendarId: number;
  description: string | null;
  tags: TagInfo[];
  /** mom ids of tokens added directly. */
  subscribedTokens: string[];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters from a cryptographic source (about 190 bits). */
export function newFeedId(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export function isFeedId(v: string): boolean {
  return /^[A-Za-z0-9]{32}$/.test(v);
}

/** The object name of a token's expiry event in a feed calendar. */
export function tokenEventUri(momId: string): string {
  return `token-${createHash('sha256').update(momId).digest('hex').slice(0, 32)}.ics`;
}

const PRODID = '-//Calendula//Calendula token expiry//EN';

export class FeedService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly calendars: CalendarService,
    private readonly objects: ObjectService,
  ) {}

  private actor(userId: number, username: string): Actor {
    return { userId, username, principaluri: principalUriOf(username) };
  }

  private async infos(em: SqlEntityManager, feeds: { id: number; feedId: string; instance: number }[]): Promise<FeedInfo[]> {
    if (!feeds.length) return [];
    const ids = feeds.map((f) => f.id);
    const instances = await em.find(CalendarInstance, { id: { $in: feeds.map((f) => f.instance) } });
    const inst = new Map(instances.map((i) => [i.id, i]));
    const tagLinks = await em.find(FeedTag, { feed: { $in: ids } });
    const tags = await em.find(Tag, { id: { $in: [...new Set(tagLinks.map((t) => t.tag))] } }, { orderBy: { name: 'asc' } });
    const tokenRows = await feedTable.selectFeedTokens(em, ids);
    return feeds.map((f) => {
      const i = inst.get(f.instance);
      const mine = new Set(tagLinks.filter((l) => l.feed === f.id).map((l) => l.tag));
      return {
        feedId: f.feedId,
        instanceId: f.instance,
        calendarId: i?.calendar ?? 0,
        description: i?.description ?? null,
        tags: tags.filter((t) => mine.has(t.id)).map((t) => ({ tag: t.name, color: t.color })),
        subscribedTokens: tokenRows.filter((r) => r.feed_id === f.id).map((r) => r.mom_id),
      };
    });
  }

  /** The user's feed with this id, inside a transaction (not found for other users' feeds). */
  private async feedOf(em: SqlEntityManager, username: string, feedId: string): Promise<{ id: number; feedId: string; instance: number; view: CalendarView }> {
    if (!isFeedId(feedId)) throw notFound('no such calendar');
    const feed = await em.findOne(CalendarFeed, { feedId });
    const view = feed ? (await loadViews(em, { id: feed.instance }))[0] : undefined;
    if (!feed || !view || view.principaluri !== principalUriOf(username)) throw notFound('no such calendar');
    return { id: feed.id, feedId: feed.feedId, instance: feed.instance, view };
  }

  async list(username: string): Promise<FeedInfo[]> {
    const em = this.ctx.db.em();
    return this.infos(em, await feedTable.selectFeedsOf(em, principalUriOf(username)));
  }

  async get(username: string, feedId: string): Promise<FeedInfo> {
    const em = this.ctx.db.em();
    const feed = await this.feedOf(em, username, feedId);
    return (await this.infos(em, [feed]))[0] as FeedInfo;
  }

  async create(userId: number, username: string, input: { description?: string | null; tags?: string[] }): Promise<FeedInfo> {
    const description = this.checkDescription(input.description);
    const feedId = newFeedId();
    await this.ctx.db.em().transactional(async (em) => {
      const instanceId = await this.calendars.insert(em, principalUriOf(username), {
        uri: `feed-${feedId.toLowerCase()}`,
        displayname: description || 'Token expiry',
        description,
        components: ['VEVENT'],
      });
      const feed = em.create(CalendarFeed, { instance: instanceId, feedId, createdAt: this.ctx.clock.now() });
      await em.flush();
      for (const t of await ensureTags(em, userId, input.tags ?? [])) em.create(FeedTag, { feed: feed.id, tag: t.id });
      await em.flush();
      await this.sync(em, userId, username, feed.id);
    });
    return this.get(username, feedId);
  }

  /** Replaces the description and/or the whole tag set. */
  async update(userId: number, username: string, feedId: string, input: { description?: string | null; tags?: string[] }): Promise<FeedInfo> {
    const description = input.description === undefined ? undefined : this.checkDescription(input.description);
    await this.ctx.db.em().transactional(async (em) => {
      const feed = await this.feedOf(em, username, feedId);
      if (description !== undefined) {
        await em.nativeUpdate(CalendarInstance, { id: feed.instance }, { description, displayname: description || 'Token expiry' });
        await noteHomeMember(em, feed.view.principaluri, feed.view.uri, 'changed', this.ctx.clock.now());
      }
      if (input.tags !== undefined) {
        const tags = await ensureTags(em, userId, input.tags);
        await em.nativeDelete(FeedTag, { feed: feed.id });
        for (const t of tags) em.create(FeedTag, { feed: feed.id, tag: t.id });
        await em.flush();
      }
      await this.sync(em, userId, username, feed.id);
    });
    return this.get(username, feedId);
  }

  async delete(username: string, feedId: string): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const feed = await this.feedOf(em, username, feedId);
      await this.calendars.remove(em, feed.view);
    });
  }

  async addTag(userId: number, username: string, feedId: string, tag: string): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const feed = await this.feedOf(em, username, feedId);
      const [t] = await ensureTags(em, userId, [tag]);
      if (t) await feedTable.linkFeedTag(em, feed.id, t.id);
      await this.sync(em, userId, username, feed.id);
    });
  }

  async removeTag(userId: number, username: string, feedId: string, tag: string): Promise<void> {
    await this.ctx.db.em().transactional(async (em) => {
      const feed = await this.feedOf(em, username, feedId);
      const t = await em.findOne(Tag, { user: userId, name: tag });
      if (t) await em.nativeDelete(FeedTag, { feed: feed.id, tag: t.id });
      await this.sync(em, userId, username, feed.id);
    });
  }

  /** Adds a token's expiry event directly (re-adding updates it, e.g. the comment). */
  async addToken(userId: number, username: string, feedId: string, momId: string, comment: string | null): Promise<FeedInfo> {
    await this.ctx.db.em().transactional(async (em) => {
      const feed = await this.feedOf(em, username, feedId);
      const token = await em.findOne(ApiToken, { user: userId, momId, revokedAt: null }, { fields: ['id', 'expiresAt'] });
      if (!token) throw notFound('no such token');
      if (!token.expiresAt) throw invalid('cannot create an expiration event for non-expiring tokens');
      if (token.expiresAt.getTime() <= this.ctx.clock.now().getTime()) throw invalid('the token has already expired');
      await em.upsert(FeedToken, { feed: feed.id, token: token.id, comment }, { onConflictFields: ['feed', 'token'], onConflictAction: 'merge', onConflictMergeFields: ['comment'] });
      await this.sync(em, userId, username, feed.id);
    });
    return this.get(username, feedId);
  }

  /** The calendar behind a public feed id, or null. */
  async calendarOf(feedId: string): Promise<CalendarView | null> {
    if (!isFeedId(feedId)) return null;
    const em = this.ctx.db.em();
    const feed = await em.findOne(CalendarFeed, { feedId });
    return feed ? ((await loadViews(em, { id: feed.instance }))[0] ?? null) : null;
  }

  /** Brings every feed of a user up to date (inside the caller's transaction). */
  async syncFeedsOfUser(em: SqlEntityManager, userId: number): Promise<void> {
    const user = await em.findOne(User, { id: userId }, { fields: ['username'] });
    if (!user) return;
    const feeds = await feedTable.selectFeedsOf(em, principalUriOf(user.username));
    for (const f of feeds) await this.sync(em, userId, user.username, f.id);
  }

  /** The scheduled sweep: removes events of tokens that expired or were revoked, everywhere. */
  async sweep(): Promise<number> {
    let changed = 0;
    for (const userId of await feedTable.usersWithFeeds(this.ctx.db.em())) {
      changed += await this.ctx.db.em().transactional(async (em) => {
        const before = await feedTable.countTokenEvents(em, userId);
        await this.syncFeedsOfUser(em, userId);
        return before - (await feedTable.countTokenEvents(em, userId));
      });
    }
    return changed;
  }

  /** Writes the expiry events a feed should show and removes the others, only where they differ. */
  private async sync(em: SqlEntityManager, userId: number, username: string, feedDbId: number): Promise<void> {
    const feed = await em.findOneOrFail(CalendarFeed, { id: feedDbId });
    const view = (await loadViews(em, { id: feed.instance }))[0];
    if (!view) return;
    const now = this.ctx.clock.now();
    const members = await feedTable.selectFeedMembers(em, feedDbId, userId, now);
    const existing = await feedTable.selectTokenEvents(em, view.calendarId);
    const current = new Map(existing.map((o) => [o.uri, o.calendardata]));
    const actor = this.actor(userId, username);
    const wanted = new Set<string>();
    for (const m of members) {
      const uri = tokenEventUri(m.mom_id);
      wanted.add(uri);
      const text = expiryEvent({
        uid: m.mom_id,
        tokenName: m.name,
        momId: m.mom_id,
        createdAt: new Date(m.created_at),
        expiresAt: new Date(m.expires_at),
        now,
        stamp: new Date(m.created_at),
        comment: m.comment,
        manageUrl: `${this.ctx.config.publicUrl}/api/v0/tokens`,
        prodId: PRODID,
      });
      if (current.get(uri) === text) continue;
      await this.objects.store(em, actor, view, uri, await this.objects.prepare(view, text), {}, FEEDS_ORIGIN);
    }
    for (const uri of current.keys()) {
      if (!wanted.has(uri)) await this.objects.remove(em, actor, view, uri, {}, FEEDS_ORIGIN);
    }
  }

  private checkDescription(d: unknown): string | null {
    if (d === undefined || d === null || d === '') return null;
    if (typeof d !== 'string' || d.length > 1000) throw invalid('description must be a string of at most 1000 characters', { field: 'description' });
    return d;
  }
}

