// Sharing a calendar with another user of this server. A share is the sharee's own instance of the
// calendar (sabre's model): it appears in the sharee's home, read-only (access 2) or read-write
// (access 3), and writes by either side land in the one calendar with one sync token.
import { randomUUID } from 'node:crypto';
import { Calendar, CalendarInstance, Principal } from '../db/entities/index.ts';
import { selectSharees } from '../db/tables/principals.ts';
import { canAdminister, canWriteContent, NOT_SHARED_ACCESS, OWNER_ACCESS, READ_ACCESS, READWRITE_ACCESS } from './access.ts';
import type { DomainContext } from './context.ts';
import { forbidden, invalid, notFound } from './errors.ts';
import { noteHomeMember } from './homeSync.ts';
import { principalUriOf } from './users.ts';

export interface ShareEntry {
  username: string;
  userId: number | null;
  principalId: number;
  displayName: string | null;
  email: string | null;
  writeAccess: boolean;
}

export class SharingService {
  constructor(private readonly ctx: DomainContext) {}

  /** The sharees of the calendar behind an instance (any instance of it). */
  async shares(instanceId: number): Promise<ShareEntry[]> {
    const rows = await selectSharees(this.ctx.db.em(), instanceId);
    return rows.map((r) => ({
      username: r.username ?? r.principaluri.replace(/^principals\//, ''),
      userId: r.user_id,
      principalId: r.principal_id,
      displayName: r.displayname,
      email: r.email,
      writeAccess: canWriteContent(r),
    }));
  }

  /**
   * Shares the owner's calendar (identified by the owner's instance) with a user, or changes the
   * access of an existing share. Sharees cannot share further; nobody shares with themselves.
   */
  async share(ownerUsername: string, instanceId: number, shareeUsername: string, writeAccess: boolean): Promise<void> {
    const ownerUri = principalUriOf(ownerUsername);
    const shareeUri = principalUriOf(shareeUsername);
    await this.ctx.db.em().transactional(async (em) => {
      const source = await em.findOne(CalendarInstance, { id: instanceId, principaluri: ownerUri });
      if (!source) throw notFound('no such calendar of this user', { code: 'calendar' });
      // A generated calendar (the birthday calendar) is nobody's to share, as in Nextcloud.
      const generated = (await em.findOne(Calendar, { id: source.calendar }))?.generated ?? null;
      if (!canAdminister({ access: source.access, generated })) throw forbidden('only the owner of a calendar can share it, and not a calendar the server generates', { code: 'not-owner' });
      if (shareeUri === ownerUri) throw invalid('a calendar cannot be shared with its owner', { code: 'self' });
      const sharee = await em.findOne(Principal, { uri: shareeUri });
      if (!sharee) throw notFound(`no user ${shareeUsername}`, { code: 'sharee' });
      const access = writeAccess ? READWRITE_ACCESS : READ_ACCESS;
      const existing = await em.findOne(CalendarInstance, { calendar: source.calendar, principaluri: shareeUri });
      const uri = existing?.uri ?? randomUUID();
      if (existing) {
        existing.access = access;
      } else {
        em.create(CalendarInstance, {
          calendar: source.calendar,
          principaluri: shareeUri,
          access,
          uri,
          shareHref: sharee.email ? `mailto:${sharee.email}` : shareeUri,
          shareDisplayname: sharee.displayname ?? null,
          displayname: source.displayname,
          description: source.description,
          calendarcolor: source.calendarcolor,
          calendarorder: source.calendarorder,
          timezone: source.timezone,
          transparent: 1,
          shareInvitestatus: 2,
          public: false,
        });
      }
      await em.flush();
      // A new share appears in the sharee's home; a changed access changes their privileges there.
      await noteHomeMember(em, shareeUri, uri, 'changed', this.ctx.clock.now());
    });
  }

  /** Removes a user's share of the calendar behind the owner's instance (nothing to remove is fine). */
  async unshare(ownerUsername: string, instanceId: number, shareeUsername: string): Promise<void> {
    const ownerUri = principalUriOf(ownerUsername);
    await this.ctx.db.em().transactional(async (em) => {
      const source = await em.findOne(CalendarInstance, { id: instanceId, principaluri: ownerUri });
      if (!source) throw notFound('no such calendar of this user', { code: 'calendar' });
      // A sharee removes their own instance by deleting it, never another's share.
      if (!canAdminister(source)) throw forbidden('only the owner of a calendar can change its shares', { code: 'not-owner' });
      const sharee = await em.findOne(Principal, { uri: principalUriOf(shareeUsername) });
      if (!sharee) throw notFound(`no user ${shareeUsername}`, { code: 'sharee' });
      const share = await em.findOne(CalendarInstance, { calendar: source.calendar, principaluri: sharee.uri, access: { $nin: [NOT_SHARED_ACCESS, OWNER_ACCESS] } });
      if (!share) return;
      await em.nativeDelete(CalendarInstance, { id: share.id });
      await noteHomeMember(em, sharee.uri, share.uri, 'removed', this.ctx.clock.now());
    });
  }
}
