// The copy of an event that a synchronization pushes into an external calendar: a derived UID
// (<source UID>-<sync id>@<instance id>) so it never collides with the target's own events, and
// marker properties that say who pushed it (CLEANUP finds them again by these). Organizer and
// attendees stay, marked SCHEDULE-AGENT=CLIENT so the target does not invite anyone again.
import { parseCalendarText } from './parse.ts';

export const MARK_SYNC = 'X-CALENDULA-SYNC-ID';
export const MARK_INSTANCE = 'X-CALENDULA-INSTANCE-ID';
export const MARK_SOURCE = 'X-CALENDULA-SOURCE-UID';

export function derivedUid(sourceUid: string, syncId: number, instanceId: string): string {
  return `${sourceUid}-${syncId}@${instanceId}`;
}

export function syncCopy(text: string, sourceUid: string, syncId: number, instanceId: string): string {
  const root = parseCalendarText(text);
  const uid = derivedUid(sourceUid, syncId, instanceId);
  for (const c of root.getAllSubcomponents().filter((x) => x.name === 'vevent' || x.name === 'vtodo' || x.name === 'vjournal')) {
    c.updatePropertyWithValue('uid', uid);
    for (const name of [MARK_SYNC, MARK_INSTANCE, MARK_SOURCE]) c.removeAllProperties(name.toLowerCase());
    c.addPropertyWithValue(MARK_SYNC.toLowerCase(), String(syncId));
    c.addPropertyWithValue(MARK_INSTANCE.toLowerCase(), instanceId);
    c.addPropertyWithValue(MARK_SOURCE.toLowerCase(), sourceUid);
    // The target server must not send invitations for a copy (RFC 6638 §7.1): the source did.
    for (const p of [...c.getAllProperties('organizer'), ...c.getAllProperties('attendee')]) p.setParameter('schedule-agent', 'CLIENT');
  }
  return root.toString().replace(/\r?\n/g, '\r\n').replace(/(\r\n)?$/, '\r\n');
}

/** The markers of an object found in a target, if it carries ours. */
export function markersOf(text: string): { syncId: string; instanceId: string } | null {
  try {
    const root = parseCalendarText(text);
    for (const c of root.getAllSubcomponents()) {
      const instance = c.getFirstPropertyValue(MARK_INSTANCE.toLowerCase());
      if (typeof instance === 'string') return { syncId: String(c.getFirstPropertyValue(MARK_SYNC.toLowerCase()) ?? ''), instanceId: instance };
    }
  } catch {
    return null;
  }
  return null;
}
