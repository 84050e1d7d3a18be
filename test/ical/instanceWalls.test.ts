// A series' instances are placed from their wall-clock seconds without making an ical.js time for
// each (instances.ts wallEpochs, recurrenceIdText): on every .ics of the corpus, in two zones,
// each instance's start and RECURRENCE-ID text must be what ical.js's time of that instance gives.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { expandInstances, masterOf, recurrenceIdText } from '../../src/ical/instances.ts';
import { parseCalendarText } from '../../src/ical/parse.ts';
import { TimeResolver, tzidOf } from '../../src/ical/time.ts';
import { corpusIcsFiles } from '../helpers/corpus/load.ts';



const at = (iso: string) => Date.parse(iso) / 1000;
const WINDOWS = [
  { from: at('1990-01-01T00:00:00Z'), until: at('2000-01-01T00:00:00Z') },
  { from: at('2006-01-01T00:00:00Z'), until: at('2012-01-01T00:00:00Z') },
  { from: at('2024-01-01T00:00:00Z'), until: at('2028-01-01T00:00:00Z') },
];

describe('instances placed from wall-clock seconds', () => {
  it('gives every rule instance of the corpus the start and RECURRENCE-ID ical.js gives it', () => {
    let checked = 0;
    for (const file of corpusIcsFiles()) {
      let root: ICAL.Component;
      try {
        root = parseCalendarText(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      for (const type of ['vevent', 'vtodo']) {
        const comps = root.getAllSubcomponents(type);
        const byUid = new Map<string, ICAL.Component[]>();
        for (const c of comps) byUid.set(String(c.getFirstPropertyValue('uid')), [...(byUid.get(String(c.getFirstPropertyValue('uid'))) ?? []), c]);
        for (const group of byUid.values()) {
          const master = masterOf(group);
          if (!master) continue;
          for (const zone of ['UTC', 'Pacific/Auckland']) {
            for (const w of WINDOWS) {
              let exp;
              try {
                exp = expandInstances(group, new TimeResolver(zone), { ...w, maxInstances: 400, maxSteps: 20_000 });
              } catch {
                continue;
              }
              for (const inst of exp.instances) {
                const text = recurrenceIdText(inst);
                expect(text, file).toBe(inst.recurrenceId ? inst.recurrenceId.toICALString() : null);
                if (inst.ridWall === undefined || inst.component !== master || inst.recurrenceId === null) continue;
                // The rule's instance, placed again through ical.js's time of it.
                expect(inst.start, `${file} ${text} in ${zone}`).toBe(new TimeResolver(zone).epoch(inst.recurrenceId, tzidOf(master, 'dtstart')) + 0);
                checked++;
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
