// Calendars as each principal sees them (calendarinstances joined with calendars), their
// properties (live and dead), creation and deletion. Objects inside them live in objects.ts.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { Calendar, CalendarInstance, CalendarSubscription, PropertyStorage } from '../db/entities/index.ts';
import { countByComponent } from '../db/tables/calendarObjects.ts';
import { selectInstances, type InstanceFilter, type InstanceRow } from '../db/tables/calendarInstances.ts';
import { canAdminister, isGenerated, owns, type AccessLevel } from './access.ts';
import { insertCalendar } from './calendarRows.ts';
import { ALL_COMPONENTS, componentsFromCsv, componentsToCsv, type ComponentType } from './components.ts';
import type { DomainContext } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { homeChangesSince, homeToken, noteCalendarEverywhere, noteHomeMember, type HomeChanges } from './homeSync.ts';

/** Who is acting: an authenticated user, or null for anonymous requests. */
/** The longest calendar name the store holds (the column's length); faces may allow less. */
export const MAX_CALENDAR_NAME_LENGTH = 255;
/** #RRGGBB or #RRGGBBAA, as Apple's calendar-color and the admin API write it. */
const CALENDAR_COLOR = /^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$/;

/** Whether the store takes this colour; faces ask it to word their own refusal. */
export function isCalendarColor(color: string): boolean {
  return CALENDAR_COLOR.test(color);
}

/** What the store can hold, whichever face asks: name length, colour shape, no NUL (PostgreSQL text cannot hold it). */
function checkCalendarFields(f: { displayname?: string | null; description?: string | null; color?: string | null }): void {
  if (f.displayname && f.displayname.length > MAX_CALENDAR_NAME_LENGTH) {
    throw invalid(`a calendar name may be at most ${MAX_CALENDAR_NAME_LENGTH} characters`, { field: 'displayname' });
  }
  for (const [field, v] of [['displayname', f.displayname], ['description', f.description]] as const) {
    if (v?.includes('\u0000')) throw invalid(`the ${field} contains a NUL character`, { field });
  }
  if (f.color && !isCalendarColor(f.color)) throw invalid('a calendar colour is #RRGGBB or #RRGGBBAA', { field: 'color' });
}

export interface Actor {
  userId: number;
  username: string;
  principaluri: string;
}

export interface CalendarView {
  instanceId: number;
  calendarId: number;
  /** The principal whose home this instance sits in. */
  principaluri: string;
  /** The principal that owns the calendar (the owner's instance, see access.ts). */
  ownerPrincipaluri: string;
  uri: string;
  access: AccessLevel;
  displayname: string | null;
  description: string | null;
  color: string | null;
  order: number;
  timezone: string | null;
  transparent: boolean;
  components: ComponentType[];
  synctoken: number;
  syncFloor: number;
  objectCount: number;
  isPublic: boolean;
  /** What the server generates the calendar from (`birthdays`), null for others (see access.ts). */
  generated: string | null;
  /** This principal hid the calendar from their web views (their own choice; nothing else changes). */
  webHidden: boolean;
}

/** A dead WebDAV property: Clark name and its value (text, or an XML fragment). */
export interface DeadProperty {
  name: string;
  value: string;
  isXml: boolean;
}

export interface CalendarChanges {
  displayname?: string | null;
  description?: string | null;
  color?: string | null;
  order?: number;
  timezone?: string | null;
  transparent?: boolean;
  isPublic?: boolean;
  components?: ComponentType[];
  deadSet?: DeadProperty[];
  deadRemove?: string[];
}

export interface NewCalendarRequest {
  uri: string;
  displayname?: string | null;
  description?: string | null;
  color?: string | null;
  order?: number;
  timezone?: string | null;
  components?: ComponentType[];
  isPublic?: boolean;
  dead?: DeadProperty[];
}

/** Names that cannot be calendar URIs: they are (or will be) other resources of the home. */
const RESERVED = new Set(['inbox', 'outbox', 'notifications', '.', '..']);

export function checkCalendarUri(uri: string): void {
  if (!uri || uri.length > 200 || RESERVED.has(uri.toLowerCase()) || /[\/\u0000-\u001f]/.test(uri)) {
    throw invalid(`"${uri}" cannot be a calendar name`);
  }
}

export function calendarPath(principaluri: string, uri: string): string {
  return `calendars/${principaluri.replace(/^principals\//, '')}/${uri}`;
}

export function toView(r: InstanceRow): CalendarView {
  return {
    instanceId: r.id,
    calendarId: r.calendarid,
    principaluri: r.principaluri,
    ownerPrincipaluri: r.owner ?? r.principaluri,
    uri: r.uri,
    access: r.access as AccessLevel,
    displayname: r.displayname,
    description: r.description,
    color: r.calendarcolor,
    order: r.calendarorder,
    timezone: r.timezone,
    transparent: r.transparent === 1,
    components: componentsFromCsv(r.components),
    synctoken: r.synctoken,
    syncFloor: r.sync_floor,
    objectCount: r.objectcount,
    isPublic: r.public,
    generated: r.generated ?? null,
    webHidden: r.web_hidden === true,
  };
}

/** Calendar views of the instances matching `f`, read with the given EntityManager (inside a transaction too). */
export async function loadViews(em: SqlEntityManager, f: InstanceFilter): Promise<CalendarView[]> {
  return (await selectInstances(em, f)).map(toView);
}

export class CalendarService {
  constructor(private readonly ctx: DomainContext) {}

  async listForPrincipal(principaluri: string): Promise<CalendarView[]> {
    return loadViews(this.ctx.db.em(), { principaluri });
  }

  async get(principaluri: string, uri: string): Promise<CalendarView | null> {
    return (await loadViews(this.ctx.db.em(), { principaluri, uri }))[0] ?? null;
  }

  async getByInstanceId(id: number): Promise<CalendarView | null> {
    if (!Number.isSafeInteger(id) || id < 1 || id > 2 ** 31 - 1) return null;
    return (await loadViews(this.ctx.db.em(), { id }))[0] ?? null;
  }

  /** Re-reads a view (after a write changed its token). */
  async refresh(view: CalendarView): Promise<CalendarView> {
    const fresh = await this.getByInstanceId(view.instanceId);
    if (!fresh) throw notFound('the calendar is gone');
    return fresh;
  }

  async create(actor: Actor, homePrincipaluri: string, req: NewCalendarRequest): Promise<CalendarView> {
    if (actor.principaluri !== homePrincipaluri) throw forbidden('you can create calendars only in your own home');
    return this.createFor(homePrincipaluri, req);
  }

  /** Whether anyone, signed in or not, may read this calendar: it is public and this is the owner's instance. */
  isPublic(view: CalendarView): boolean {
    return this.ctx.config.publicCalendarsEnabled && view.isPublic && owns(view);
  }

  /** Creates a calendar in a principal's home (the admin API acts for the user). */
  async createFor(homePrincipaluri: string, req: NewCalendarRequest): Promise<CalendarView> {
    const instanceId = await this.ctx.db.em().transactional((em) => this.insert(em, homePrincipaluri, req));
    return (await this.getByInstanceId(instanceId)) as CalendarView;
  }

  /** Creates a calendar inside the caller's transaction; returns the instance id. */
  async insert(em: SqlEntityManager, homePrincipaluri: string, req: NewCalendarRequest): Promise<number> {
    checkCalendarUri(req.uri);
    checkCalendarFields(req);
    // RFC 4791 §5.2.3: a calendar made without a component set accepts every type.
    const components = req.components?.length ? req.components : [...ALL_COMPONENTS];
    if (req.isPublic && !this.ctx.config.publicCalendarsEnabled) throw forbidden('public calendars are disabled on this server');
    if (await em.count(CalendarInstance, { principaluri: homePrincipaluri, uri: req.uri })) {
      throw conflict(`a calendar named ${req.uri} already exists`, {
        precondition: { namespace: 'DAV:', name: 'resource-must-be-null' },
        code: 'exists',
      });
    }
    const { instanceId } = await insertCalendar(em, {
      principaluri: homePrincipaluri,
      uri: req.uri,
      displayname: req.displayname ?? null,
      description: req.description ?? null,
      color: req.color ?? null,
      order: req.order ?? 0,
      timezone: req.timezone ?? null,
      components,
      isPublic: req.isPublic ?? false,
    });
    if (req.dead?.length) await writeDeadProps(em, calendarPath(homePrincipaluri, req.uri), req.dead, []);
    await noteHomeMember(em, homePrincipaluri, req.uri, 'changed', this.ctx.clock.now());
    return instanceId;
  }

  /** Applies property changes atomically. Instance properties of a share are the sharee's own. */
  async update(actor: Actor, view: CalendarView, changes: CalendarChanges): Promise<CalendarView> {
    if (actor.principaluri !== view.principaluri) throw notFound('no such calendar');
    return this.updateInstance(view, changes);
  }

  /**
   * Shows or hides the calendar in the actor's own web views. Nothing a client syncs changes (no
   * token bump): it is a preference of the web face, kept on the actor's instance.
   */
  async setWebHidden(actor: Actor, view: CalendarView, hidden: boolean): Promise<void> {
    if (actor.principaluri !== view.principaluri) throw notFound('no such calendar');
    await this.ctx.db.em().nativeUpdate(CalendarInstance, { id: view.instanceId }, { webHidden: hidden });
  }

  /** Applies changes to an instance (calendar-level ones need the owner's instance). */
  async updateInstance(view: CalendarView, changes: CalendarChanges): Promise<CalendarView> {
    const calendarLevel = changes.components !== undefined || changes.isPublic !== undefined;
    if (calendarLevel && isGenerated(view)) throw forbidden('the server decides what this calendar holds and who sees it');
    if (calendarLevel && !canAdminister(view)) throw forbidden('only the owner can change this');
    if (changes.isPublic && !this.ctx.config.publicCalendarsEnabled) throw forbidden('public calendars are disabled on this server');
    if (changes.components && changes.components.length === 0) throw invalid('at least one component type is needed');
    checkCalendarFields(changes);
    await this.ctx.db.em().transactional(async (em) => {
      const inst = await em.findOne(CalendarInstance, { id: view.instanceId });
      if (!inst) throw notFound('no such calendar');
      if (changes.displayname !== undefined) inst.displayname = changes.displayname;
      if (changes.description !== undefined) inst.description = changes.description;
      if (changes.color !== undefined) inst.calendarcolor = changes.color;
      if (changes.order !== undefined) inst.calendarorder = changes.order;
      if (changes.timezone !== undefined) inst.timezone = changes.timezone;
      if (changes.transparent !== undefined) inst.transparent = changes.transparent ? 1 : 0;
      if (changes.isPublic !== undefined) inst.public = changes.isPublic;
      if (changes.components !== undefined) {
        const cal = await em.findOneOrFail(Calendar, { id: view.calendarId });
        cal.components = componentsToCsv(changes.components);
      }
      await em.flush();
      if (changes.deadSet?.length || changes.deadRemove?.length) {
        await writeDeadProps(em, calendarPath(view.principaluri, view.uri), changes.deadSet ?? [], changes.deadRemove ?? []);
      }
      // What every instance shows (components) changes in every home; the rest only in this one.
      if (calendarLevel) await noteCalendarEverywhere(em, view.calendarId, this.ctx.clock.now());
      else await noteHomeMember(em, view.principaluri, view.uri, 'changed', this.ctx.clock.now());
    });
    return this.refresh(view);
  }

  /** The owner deletes the calendar for everyone; a sharee removes only their own instance. */
  async delete(actor: Actor, view: CalendarView): Promise<void> {
    if (actor.principaluri !== view.principaluri) throw notFound('no such calendar');
    await this.deleteInstance(view);
  }

  /** Deletes what an instance stands for: the whole calendar (owner) or the share (sharee). */
  async deleteInstance(view: CalendarView): Promise<void> {
    await this.ctx.db.em().transactional((em) => this.remove(em, view));
  }

  /** deleteInstance inside the caller's transaction; NotFound when it is gone already (a concurrent delete). */
  async remove(em: SqlEntityManager, view: CalendarView): Promise<void> {
    let deleted: number;
    let gone: { principaluri: string; uri: string }[];
    // The owner's removal deletes the calendar for everyone; for a generated calendar (the birthday
    // calendar) that is turning it off, and nothing generates it again until it is turned on.
    if (owns(view)) {
      const instances = await em.find(CalendarInstance, { calendar: view.calendarId });
      await em.nativeDelete(PropertyStorage, { path: { $in: instances.map((i) => calendarPath(i.principaluri, i.uri)) } });
      deleted = await em.nativeDelete(Calendar, { id: view.calendarId });
      gone = instances.map((i) => ({ principaluri: i.principaluri, uri: i.uri }));
    } else {
      await em.nativeDelete(PropertyStorage, { path: calendarPath(view.principaluri, view.uri) });
      deleted = await em.nativeDelete(CalendarInstance, { id: view.instanceId });
      gone = [{ principaluri: view.principaluri, uri: view.uri }];
    }
    if (!deleted) throw notFound('the calendar is gone already');
    for (const g of gone) await noteHomeMember(em, g.principaluri, g.uri, 'removed', this.ctx.clock.now());
  }

  /** The sync token of a principal's calendar home (RFC 6578 §4). */
  homeSyncToken(principaluri: string): Promise<number> {
    return homeToken(this.ctx.db.em(), principaluri);
  }

  /** The calendars of a home created, changed or removed since a token of it. */
  homeChangesSince(principaluri: string, token: number, limit?: number): Promise<HomeChanges> {
    return homeChangesSince(this.ctx.db.em(), principaluri, token, limit);
  }

  /** How many objects of each component type a calendar holds. */
  async countsByComponent(calendarIds: number[]): Promise<Map<number, Record<ComponentType, number>>> {
    const out = new Map<number, Record<ComponentType, number>>(calendarIds.map((id) => [id, { VEVENT: 0, VTODO: 0, VJOURNAL: 0 }]));
    for (const r of await countByComponent(this.ctx.db.em(), calendarIds)) {
      const counts = out.get(r.calendarid);
      if (counts && (r.componenttype === 'VEVENT' || r.componenttype === 'VTODO' || r.componenttype === 'VJOURNAL')) counts[r.componenttype] = Number(r.n);
    }
    return out;
  }

  /** Server-stored webcal subscriptions of a principal. */
  async subscriptions(principaluri: string): Promise<{ id: number; uri: string; displayname: string | null; source: string | null }[]> {
    const rows = await this.ctx.db.em().find(CalendarSubscription, { principaluri }, { orderBy: { id: 'asc' } });
    return rows.map((r) => ({ id: r.id, uri: r.uri, displayname: r.displayname ?? null, source: r.source ?? null }));
  }

  async deadProperties(path: string): Promise<DeadProperty[]> {
    const rows = await this.ctx.db.em().find(PropertyStorage, { path }, { orderBy: { id: 'asc' } });
    return rows.map((r) => ({ name: r.name, value: r.value, isXml: r.valuetype === 2 }));
  }

  /** Dead properties of many resources in one query, by path. */
  async deadPropertiesMany(paths: string[]): Promise<Map<string, DeadProperty[]>> {
    const out = new Map<string, DeadProperty[]>(paths.map((p) => [p, []]));
    if (!paths.length) return out;
    const rows = await this.ctx.db.em().find(PropertyStorage, { path: { $in: paths } }, { orderBy: { id: 'asc' } });
    for (const r of rows) out.get(r.path)?.push({ name: r.name, value: r.value, isXml: r.valuetype === 2 });
    return out;
  }

  /** Dead properties of a resource that is not a calendar (home, principal). */
  async updateDeadProperties(path: string, set: DeadProperty[], remove: string[]): Promise<void> {
    await this.ctx.db.em().transactional((em) => writeDeadProps(em, path, set, remove));
  }
}

/** Sets and removes dead properties of the resource at `path`, inside the caller's transaction. */
export async function writeDeadProps(em: SqlEntityManager, path: string, set: DeadProperty[], remove: string[]): Promise<void> {
  if (remove.length) await em.nativeDelete(PropertyStorage, { path, name: { $in: remove } });
  for (const p of set) {
    if (p.name.length > 255) throw invalid('property name too long');
    await em.upsert(
      PropertyStorage,
      { path, name: p.name, valuetype: p.isXml ? 2 : 1, value: p.value },
      { onConflictFields: ['path', 'name'], onConflictAction: 'merge', onConflictMergeFields: ['valuetype', 'value'] },
    );
  }
}

