// The schedule inbox (RFC 6638 §4.1): every iTIP message delivered to a user here (an invitation,
// an update, a cancellation, a reply) leaves a copy in their inbox, whether scheduling also put
// it into a calendar (local users) or not (mail from elsewhere: `imip receive`). Clients list it,
// read it, sync it (getctag, sync-token, sync-collection) and delete what they have handled;
// items older than INBOX_RETENTION_DAYS go by themselves.
import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { bumpInbox, insertInboxItem } from '../db/tables/schedulingInbox.ts';
import type { DomainContext } from './context.ts';
import { etagOf } from './objects.ts';

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
}
