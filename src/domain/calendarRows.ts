// Inserting a calendar: the data row and its owner's instance. Used inside callers' transactions.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { Calendar, CalendarInstance } from '../db/entities/index.ts';
import { OWNER_ACCESS } from './access.ts';
import { componentsToCsv, type ComponentType } from './components.ts';

export interface NewCalendar {
  principaluri: string;
  uri: string;
  displayname: string | null;
  components: ComponentType[];
  description?: string | null;
  color?: string | null;
  order?: number;
  timezone?: string | null;
  isPublic?: boolean;
  /** Takes no time in free-busy (CALDAV:schedule-calendar-transp transparent). */
  transparent?: boolean;
  /** What the server generates it from (the birthday calendar); absent for a calendar users write. */
  generated?: string;
}

/** Creates the calendar and the owner's instance; returns the instance id and the calendar id. */
export async function insertCalendar(
  em: SqlEntityManager,
  c: NewCalendar,
): Promise<{ instanceId: number; calendarId: number }> {
  const calendar = em.create(Calendar, {
    synctoken: 1,
    syncFloor: 1,
    components: componentsToCsv(c.components),
    createdAt: new Date(),
    generated: c.generated ?? null,
  });
  await em.flush();
  const instance = em.create(CalendarInstance, {
    calendar: calendar.id,
    principaluri: c.principaluri,
    access: OWNER_ACCESS,
    uri: c.uri,
    displayname: c.displayname,
    description: c.description ?? null,
    calendarcolor: c.color ?? null,
    calendarorder: c.order ?? 0,
    timezone: c.timezone ?? null,
    transparent: c.transparent ? 1 : 0,
    shareInvitestatus: 2,
    public: c.isPublic ?? false,
  });
  await em.flush();
  return { instanceId: instance.id, calendarId: calendar.id };
}
