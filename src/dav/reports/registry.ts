// The REPORTs this server answers (RFC 3253 §3.6), each once: its element, and the resources whose
// DAV:supported-report-set lists it. properties.ts builds supported-report-set from this list and
// methods/report.ts dispatches by it, with one handler per key (a Record over ReportKey, so a
// report cannot be listed without a handler, nor handled without being listed). The list carries
// no handlers so that properties.ts can read it without importing the reports, which import it.
import type { ResourceKind } from '../resources.ts';
import { c, card, d } from '../../xml/names.ts';

interface ReportEntry {
  /** The report's root element, in Clark notation. */
  name: string;
  /** Where supported-report-set advertises it: some kinds, every kind that has the property, or none. */
  advertised: readonly ResourceKind[] | 'everywhere' | 'nowhere';
  /** Where it is answered, when that is narrower than everywhere; elsewhere 403 DAV:supported-report. */
  answeredOn?: readonly ResourceKind[];
}

export const REPORTS = {
  'calendar-query': { name: c('calendar-query'), advertised: ['calendar'] },
  // RFC 6638 §2.2: the schedule inbox answers calendar-multiget too.
  'calendar-multiget': { name: c('calendar-multiget'), advertised: ['calendar', 'inbox'] },
  'free-busy-query': { name: c('free-busy-query'), advertised: ['calendar'] },
  'addressbook-query': { name: card('addressbook-query'), advertised: ['addressbook'] },
  'addressbook-multiget': { name: card('addressbook-multiget'), advertised: ['addressbook'] },
  // iCal uses sync-collection on a home only when the home advertises it (sabre's workaround).
  'sync-collection': { name: d('sync-collection'), advertised: ['calendar', 'home', 'inbox', 'addressbook', 'addressbook-home'] },
  // RFC 3744 §9.4 runs it on any resource (apply-to-principal-collection-set); sabre/dav and
  // CalendarServer list it, principal-match and acl-principal-prop-set on every resource.
  'principal-property-search': { name: d('principal-property-search'), advertised: 'everywhere' },
  // RFC 3744 §9.5 asks for it on the principal-collection-set; elsewhere it is refused
  // (CalDAVTester's CardDAV aclreports.xml asks the address-book home and expects supported-report).
  'principal-search-property-set': { name: d('principal-search-property-set'), advertised: ['principals'], answeredOn: ['principals', 'principal'] },
  'expand-property': { name: d('expand-property'), advertised: 'everywhere' },
  // RFC 3744 §9.2, §9.3 (aclReports.ts), answered on every resource.
  'principal-match': { name: d('principal-match'), advertised: 'everywhere' },
  'acl-principal-prop-set': { name: d('acl-principal-prop-set'), advertised: 'everywhere' },
} as const satisfies Record<string, ReportEntry>;

export type ReportKey = keyof typeof REPORTS;

const BY_NAME: ReadonlyMap<string, ReportKey> = new Map((Object.keys(REPORTS) as ReportKey[]).map((k) => [REPORTS[k].name, k]));

/** The report a body's root element asks for, if this server answers it. */
export function reportKeyOf(name: string): ReportKey | undefined {
  return BY_NAME.get(name);
}

/** Whether a report is answered on a resource of this kind (it is in the list, see answeredOn). */
export function answeredOn(key: ReportKey, kind: ResourceKind): boolean {
  const only = (REPORTS as Record<ReportKey, ReportEntry>)[key].answeredOn;
  return !only || only.includes(kind);
}

/** The report elements supported-report-set lists on a resource of this kind, in the list's order. */
export function supportedReports(kind: ResourceKind): string[] {
  return Object.values(REPORTS as Record<ReportKey, ReportEntry>)
    .filter((r) => r.advertised === 'everywhere' || (r.advertised !== 'nowhere' && r.advertised.includes(kind)))
    .map((r) => r.name);
}
