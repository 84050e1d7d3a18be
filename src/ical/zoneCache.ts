// ical.js builds a Timezone from each object's VTIMEZONE and expands its rules from 1970 on first
// use; done for every parsed object that cost milliseconds per PUT or query candidate. Objects of
// one calendar repeat the same few VTIMEZONEs, so hydrated zones are shared between parses, keyed
// by their exact content (two different definitions of one TZID never mix).
import ICAL from 'ical.js';
import { ZoneFromObject } from './objectZone.ts';

const MAX_ZONES = 500;
const zones = new Map<string, ICAL.Timezone>();

/** The shape ical.js 2.x gives a root component: its per-tree cache of hydrated zones. */
interface WithZoneCache {
  _timezoneCache: Map<string, ICAL.Timezone> | null;
}

function shared(vtz: ICAL.Component): [string, ICAL.Timezone] | null {
  const tzid = vtz.getFirstPropertyValue('tzid');
  if (typeof tzid !== 'string') return null;
  const key = JSON.stringify(vtz.toJSON());
  let zone = zones.get(key);
  if (zone) {
    // Most recently used last, so the oldest go first when the map is full.
    zones.delete(key);
    zones.set(key, zone);
  } else {
    zone = new ZoneFromObject({ component: vtz, tzid });
    zones.set(key, zone);
    if (zones.size > MAX_ZONES) zones.delete(zones.keys().next().value as string);
  }
  return [tzid, zone];
}

/** Lets a freshly parsed VCALENDAR use the shared zones for its VTIMEZONEs. */
export function useSharedZones(root: ICAL.Component): void {
  const cache = (root as unknown as WithZoneCache)._timezoneCache;
  if (!cache) return;
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    const found = shared(vtz);
    if (found && !cache.has(found[0])) cache.set(found[0], found[1]);
  }
}
