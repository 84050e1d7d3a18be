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

// The views read hundreds of stored objects per page, each repeating its VTIMEZONEs: parsing
// them is about half of ical.js's parse. The blocks are cut out of the text before the parse and
// each resolved from a cache keyed by the block's exact text (a miss parses it once and shares
// the zone above).

/** Most distinct VTIMEZONE blocks remembered by their text (one block is a few kilobytes). */
export const MAX_ZONE_BLOCKS = 500;
const blocks = new Map<string, [string, ICAL.Timezone] | null>();

/** A VTIMEZONE block from its BEGIN line to its END line, both written plainly. */
const BLOCK = /^BEGIN:VTIMEZONE\r?\n[\s\S]*?^END:VTIMEZONE\r?(?:\n|$)/gim;
const NESTED = /^(?:BEGIN|END):([^\r\n]*)/gim;
const INSIDE = new Set(['VTIMEZONE', 'STANDARD', 'DAYLIGHT']);

/** A block's TZID and zone, parsed once per distinct text; null when it cannot be read. */
function zoneOfBlock(block: string): [string, ICAL.Timezone] | null {
  let found = blocks.get(block);
  if (found !== undefined) {
    blocks.delete(block);
    blocks.set(block, found);
    return found;
  }
  found = null;
  try {
    const root = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${block}${block.endsWith('\n') ? '' : '\r\n'}END:VCALENDAR\r\n`) as ConstructorParameters<typeof ICAL.Component>[0]);
    const vtz = root.getAllSubcomponents();
    if (vtz.length === 1 && vtz[0]!.name === 'vtimezone') found = shared(vtz[0]!);
  } catch {
    found = null;
  }
  blocks.set(block, found);
  if (blocks.size > MAX_ZONE_BLOCKS) blocks.delete(blocks.keys().next().value as string);
  return found;
}

/**
 * The text without its VTIMEZONE blocks, and the zones they define (TZID and hydrated zone, in
 * the text's order); null when a block is not written plainly enough to be cut safely (then the
 * whole text is to be parsed as it is).
 */
export function cutZoneBlocks(text: string): { rest: string; zones: [string, ICAL.Timezone][] } | null {
  const zones: [string, ICAL.Timezone][] = [];
  let ok = true;
  const rest = text.replace(BLOCK, (block) => {
    if (!ok) return block;
    for (const m of block.matchAll(NESTED)) {
      if (!INSIDE.has((m[1] ?? '').trim().toUpperCase())) ok = false;
    }
    const zone = ok ? zoneOfBlock(block) : null;
    if (!zone) ok = false;
    else zones.push(zone);
    return '';
  });
  // A VTIMEZONE left in the text (written unusually) would come before the cut ones in ical.js's lookup.
  if (!ok || /^BEGIN:VTIMEZONE/im.test(rest)) return null;
  return { rest, zones };
}

/** Gives a VCALENDAR parsed without its VTIMEZONEs the zones cut from it (the first of a TZID wins, as in ical.js). */
export function useZones(root: ICAL.Component, zones: [string, ICAL.Timezone][]): void {
  const cache = (root as unknown as WithZoneCache)._timezoneCache;
  if (!cache) return;
  for (const [tzid, zone] of zones) if (!cache.has(tzid)) cache.set(tzid, zone);
}
