// Reading a calendar's objects in batches: every object once, in id order, and no query for a
// batch that is known to be empty (each costs a round trip, and a thread hop on PGlite). The
// statements are counted on the ORM's connection, which every query of the server goes through.
import { describe, expect, it } from 'vitest';
import { mayHaveMore } from '../../src/db/tables/calendarObjects.ts';
import type { Actor, CalendarView } from '../../src/domain/calendars.ts';
import { calendar, event, todo } from '../fixtures/ical.ts';
import { objectStatementsDuring } from '../helpers/statements.ts';
import { useTestServer } from '../helpers/testServer.ts';

describe('mayHaveMore', () => {
  it('says a batch is the last when it has fewer rows than the limit and stayed below the size bound', () => {
    expect(mayHaveMore([], 10, 1000)).toBe(false);
    expect(mayHaveMore([{ running: 10 }, { running: 20 }], 10, 1000)).toBe(false);
    expect(mayHaveMore([{ running: '10' }, { running: '999' }], 10, 1000)).toBe(false);
    // Full: rows may follow.
    expect(mayHaveMore([{ running: 10 }, { running: 20 }], 2, 1000)).toBe(true);
    // Cut by the size bound (PostgreSQL's sum of int is a bigint, a string here): rows may follow.
    expect(mayHaveMore([{ running: 600 }, { running: '1000' }], 10, 1000)).toBe(true);
    expect(mayHaveMore([{ running: 5000 }], 10, 1000)).toBe(true);
  });
});

describe('reading objects in batches', { shuffle: false }, () => {
  const server = useTestServer();
  server.user('olga');
  let view: CalendarView;
  let actor: Actor;

  /** Runs `fn` and returns the statements it sent that read calendarobjects. */
  const objectStatements = (fn: () => Promise<unknown>): Promise<string[]> => objectStatementsDuring(server.running.db, fn);
  const collect = async <T>(gen: AsyncGenerator<T[]>): Promise<T[][]> => {
    const out: T[][] = [];
    for await (const b of gen) out.push(b);
    return out;
  };

  it('reads five objects in batches of two with three queries, and four with three (the last found empty)', async () => {
    const u = await server.domain.users.require('olga');
    actor = { userId: u.id, username: 'olga', principaluri: u.principalUri };
    view = await server.domain.calendars.create(actor, actor.principaluri, { uri: 'reads', components: ['VEVENT', 'VTODO'] });
    for (let i = 0; i < 5; i++) {
      const body = i === 3 ? calendar(todo(`t${i}`, ['SUMMARY:Task'])) : calendar(event(`e${i}`, ['DTSTART:20260105T100000Z', `SUMMARY:Event ${i}`]));
      await server.domain.objects.put(actor, view, `o${i}.ics`, body);
    }
    let batches: string[][] = [];
    const five = await objectStatements(async () => {
      batches = (await collect(server.domain.objects.candidateTexts(view, {}, 2))).map((b) => b.map((o) => o.data));
    });
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat().map((t) => /UID:(\S+)/.exec(t)?.[1])).toEqual(['e0', 'e1', 'e2', 't3', 'e4']);
    expect(five).toHaveLength(3);

    // Of one component type: four events, two full batches, then a query that finds none.
    const events = await objectStatements(async () => {
      batches = (await collect(server.domain.objects.candidateTexts(view, { componentType: 'VEVENT' }, 2))).map((b) => b.map((o) => o.data));
    });
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    expect(events).toHaveLength(3);

    // Candidates read the same way.
    let uris: string[] = [];
    const cands = await objectStatements(async () => {
      uris = (await collect(server.domain.objects.candidates(view, {}, 3))).flat().map((o) => o.uri);
    });
    expect(uris).toEqual(['o0.ics', 'o1.ics', 'o2.ics', 'o3.ics', 'o4.ics']);
    expect(cands).toHaveLength(2);
  });

  it('reads named objects (calendar-multiget) in one query, leaving out names that are not there', async () => {
    let got: string[] = [];
    const statements = await objectStatements(async () => {
      got = (await collect(server.domain.objects.getMany(view, ['o4.ics', 'o1.ics', 'nope.ics', 'o1.ics']))).flat().map((o) => o.uri);
    });
    expect(got.sort()).toEqual(['o1.ics', 'o4.ics']);
    expect(statements).toHaveLength(1);
  });
});
