// A calendar as one VCALENDAR (ICS export and public feeds), streamed object by object.
import { createHash } from 'node:crypto';
import { calendarDataFor } from '../ical/calendarData.ts';
import { CalendarMerger, escapeText } from '../ical/export.ts';
import { matchesFilter } from '../ical/filter.ts';
import { parseCalendarText } from '../ical/parse.ts';
import { zoneFromCalendarTimezone } from '../ical/time.ts';
import type { CalendarView } from './calendars.ts';
import type { DomainContext } from './context.ts';
import type { ObjectService } from './objects.ts';

export const PRODID = '-//Calendula//Calendula CalDAV Server//EN';

export interface ExportRequest {
  /** Only objects with an instance in [start, end) (epoch seconds). */
  start?: number;
  end?: number;
  /** Recurrences as single instances in UTC (needs start and end). */
  expand?: boolean;
  /** Only this component type. */
  componentType?: string;
  /** More VCALENDAR properties, as content lines. */
  extraHeader?: string[];
}

export class ExportService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly objects: ObjectService,
  ) {}

  nameOf(view: CalendarView): string {
    return view.displayname ?? view.uri;
  }

  /** A strong ETag: the export changes exactly when the calendar's token or properties do. */
  etag(view: CalendarView, req: ExportRequest): string {
    return createHash('sha1')
      .update(JSON.stringify([view.calendarId, view.synctoken, view.displayname, view.color, view.description, view.timezone, req]))
      .digest('hex');
  }

  async *stream(view: CalendarView, req: ExportRequest): AsyncGenerator<string> {
    const header = [`X-WR-CALNAME:${escapeText(this.nameOf(view))}`, ...(req.extraHeader ?? [])];
    if (view.color) header.push(`X-APPLE-CALENDAR-COLOR:${view.color}`);
    const merger = new CalendarMerger();
    const range = req.start !== undefined || req.end !== undefined ? { start: req.start, end: req.end } : undefined;
    const zone = zoneFromCalendarTimezone(view.timezone);
    const maxInstances = this.ctx.config.limits.maxRecurrenceInstances;
    yield merger.begin({ prodId: PRODID, properties: header });
    for await (const batch of this.objects.candidates(view, { componentType: req.componentType, range })) {
      let chunk = '';
      for (const o of batch) {
        let text = o.data;
        if (range) {
          const filter = {
            name: 'VCALENDAR',
            isNotDefined: false,
            propFilters: [],
            compFilters: [{ name: req.componentType ?? 'VEVENT', isNotDefined: false, timeRange: range, propFilters: [], compFilters: [] }],
          };
          if (!matchesFilter(parseCalendarText(o.data), filter, { floatingZone: zone, maxInstances })) continue;
        }
        if (req.expand && req.start !== undefined && req.end !== undefined) {
          text = calendarDataFor(o.data, { expand: { start: req.start, end: req.end } }, { floatingZone: zone, maxInstances });
        }
        chunk += merger.add(text, req.componentType);
      }
      yield chunk;
    }
    yield merger.end();
  }
}
