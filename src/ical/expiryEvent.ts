// The event that shows when an API token expires (specs/notifications-calendars-v0.md):
// DTSTART at the expiry instant in UTC and no DTEND, DISPLAY alarms with a DESCRIPTION at 30, 14,
// 7, 3, 1 and 0 days before (TRIGGER:-P30D … PT0S), only those that are still in the future and
// fall in the second half of the token's lifetime.
import { buildEvent } from './eventBuilder.ts';

export const ALARM_DAYS = [30, 14, 7, 3, 1, 0] as const;

export interface ExpiryEventInput {
  uid: string;
  tokenName: string;
  momId: string;
  createdAt: Date;
  expiresAt: Date;
  now: Date;
  /** DTSTAMP: stable (the token's creation) so that an unchanged membership rewrites nothing. */
  stamp: Date;
  comment?: string | null;
  /** Where the user manages tokens, shown in the description. */
  manageUrl: string;
  prodId: string;
}

/** The alarm offsets (days before expiry) that fire in the future and in the second half of the lifetime. */
export function alarmDays(createdAt: Date, expiresAt: Date, now: Date): number[] {
  const created = createdAt.getTime();
  const expires = expiresAt.getTime();
  const half = created + (expires - created) / 2;
  return ALARM_DAYS.filter((d) => {
    const at = expires - d * 86400_000;
    return at > now.getTime() && at >= half;
  });
}

function trigger(days: number): string {
  return days === 0 ? 'PT0S' : `-P${days}D`;
}

function alarmText(name: string, days: number): string {
  if (days === 0) return `Token '${name}' expires now`;
  return `Token '${name}' expires in ${days} day${days === 1 ? '' : 's'}`;
}

export function expiryEvent(i: ExpiryEventInput): string {
  const about = `Token '${i.tokenName}' (mom id ${i.momId}) expires at ${i.expiresAt.toISOString()}. Manage your tokens at ${i.manageUrl}`;
  // No CREATED, LAST-MODIFIED or SEQUENCE: the feed rewrites the event only when its text differs.
  return buildEvent({
    prodId: i.prodId,
    uid: i.uid,
    stamp: Math.floor(i.stamp.getTime() / 1000),
    start: { utc: Math.floor(i.expiresAt.getTime() / 1000) },
    summary: `Token '${i.tokenName}' expires`,
    description: i.comment ? `${i.comment}\n\n${about}` : about,
    transparent: true,
    alarms: alarmDays(i.createdAt, i.expiresAt, i.now).map((d) => ({ description: alarmText(i.tokenName, d), trigger: { offset: trigger(d) } })),
  });
}
