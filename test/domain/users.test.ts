import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/domain/passwords.ts';
import {
  ApiToken,
  Calendar,
  CalendarChange,
  CalendarInstance,
  CalendarObject,
  Principal,
  PropertyStorage,
  Tag,
  User,
} from '../../src/db/entities/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('users', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('create makes the principal with e-mail and display name, a scrypt hash, and a default calendar for events, tasks and notes', async () => {
    const u = await server.domain.users.create({
      username: 'jdoe',
      password: 'correct horse',
      email: 'jdoe@example.org',
      displayName: 'John Doe',
    });
    expect(u).toMatchObject({ username: 'jdoe', principalUri: 'principals/jdoe', email: 'jdoe@example.org', displayName: 'John Doe' });
    const em = server.running.db.em();
    const user = await em.findOneOrFail(User, { username: 'jdoe' });
    expect(user.passwordHash).toMatch(/^\$scrypt\$ln=\d+,r=\d+,p=\d+\$/);
    expect(user.passwordHash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', user.passwordHash)).toBe(true);
    const instances = await em.find(CalendarInstance, { principaluri: 'principals/jdoe' }, { orderBy: { id: 'asc' } });
    // The default calendar, and the birthday calendar (issue #28), generated and for events only.
    expect(instances).toHaveLength(2);
    expect(instances[0]).toMatchObject({ uri: 'default', access: 1, displayname: 'Default Calendar' });
    const cal = await em.findOneOrFail(Calendar, { id: instances[0]!.calendar });
    expect(cal.components).toBe('VEVENT,VJOURNAL,VTODO');
    expect(cal.generated).toBeNull();
    expect(instances[1]).toMatchObject({ uri: 'birthdays', access: 1, displayname: 'Birthdays' });
    expect(await em.findOneOrFail(Calendar, { id: instances[1]!.calendar })).toMatchObject({ components: 'VEVENT', generated: 'birthdays' });
  });

  it('refuses bad usernames, short passwords, bad e-mails and duplicates, changing nothing', async () => {
    await server.domain.users.create({ username: 'taken', password: 'long enough' });
    const before = await server.domain.users.count();
    for (const username of ['', 'a b', 'x'.repeat(65), 'slash/name', '..', 'ümlaut']) {
      await expect(server.domain.users.create({ username, password: 'long enough' })).rejects.toMatchObject({
        kind: 'Invalid',
      });
    }
    await expect(server.domain.users.create({ username: 'short', password: 'abc' })).rejects.toMatchObject({
      kind: 'Invalid',
      details: { field: 'password' },
    });
    await expect(
      server.domain.users.create({ username: 'mailer', password: 'long enough', email: 'not an address' }),
    ).rejects.toMatchObject({ kind: 'Invalid', details: { field: 'email' } });
    await expect(server.domain.users.create({ username: 'taken', password: 'long enough' })).rejects.toMatchObject({
      kind: 'Conflict',
    });
    expect(await server.domain.users.count()).toBe(before);
  });

  it('accepts e-mail addresses and dots as usernames', async () => {
    const u = await server.domain.users.create({ username: 'mary.major@example.org', password: 'long enough' });
    expect(u.principalUri).toBe('principals/mary.major@example.org');
  });

  it('update changes e-mail and display name; setPassword changes the hash', async () => {
    await server.domain.users.create({ username: 'jroe', password: 'first secret', displayName: 'John Roe' });
    const updated = await server.domain.users.update('jroe', { displayName: 'Johnny', email: 'johnny@example.org' });
    expect(updated).toMatchObject({ displayName: 'Johnny', email: 'johnny@example.org' });
    await server.domain.users.setPassword('jroe', 'another secret');
    const creds = await server.domain.users.credentials('jroe');
    expect(await verifyPassword('another secret', creds!.passwordHash)).toBe(true);
    await expect(server.domain.users.update('nobody', { displayName: 'x' })).rejects.toMatchObject({ kind: 'NotFound' });
  });

  it('list returns every user sorted by name', async () => {
    await server.domain.users.create({ username: 'zelda', password: 'long enough' });
    await server.domain.users.create({ username: 'abigail', password: 'long enough' });
    const names = (await server.domain.users.list()).map((u) => u.username);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['abigail', 'admin', 'zelda']));
  });

  it('delete removes everything the user owns in one go, and leaves other users alone', async () => {
    await server.domain.users.create({ username: 'victim', password: 'long enough' });
    await server.domain.users.create({ username: 'bystander', password: 'long enough' });
    const em = server.running.db.em();
    const inst = await em.findOneOrFail(CalendarInstance, { principaluri: 'principals/victim' });
    // Rows that later features write through their own services; here the store must cascade them.
    em.create(CalendarObject, {
      calendar: inst.calendar,
      calendardata: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
      uri: 'a.ics',
      lastmodified: 0,
      etag: 'x',
      size: 1,
      componenttype: 'VEVENT',
      uid: 'a',
    });
    em.create(CalendarChange, { calendar: inst.calendar, uri: 'a.ics', synctoken: 1, operation: 1, createdAt: new Date() });
    em.create(PropertyStorage, { path: 'calendars/victim/default', name: '{urn:x}y', valuetype: 1, value: 'v' });
    const victim = await em.findOneOrFail(User, { username: 'victim' });
    em.create(Tag, { user: victim.id, name: 'ci', color: '#000000' });
    em.create(ApiToken, {
      id: '00000000-0000-4000-8000-000000000001',
      user: victim.id,
      name: 't',
      secretHash: 'h',
      capabilities: [],
      momId: 'm',
      createdAt: new Date(),
    });
    // A calendar of bystander shared with victim: the share goes, bystander's calendar stays.
    const bInst = await em.findOneOrFail(CalendarInstance, { principaluri: 'principals/bystander' });
    em.create(CalendarInstance, {
      calendar: bInst.calendar,
      principaluri: 'principals/victim',
      access: 2,
      uri: 'shared-from-bystander',
      calendarorder: 0,
      transparent: 1,
      shareInvitestatus: 2,
      public: false,
    });
    await em.flush();

    await server.domain.users.delete('victim');

    const check = server.running.db.em();
    expect(await check.count(User, { username: 'victim' })).toBe(0);
    expect(await check.count(Principal, { uri: 'principals/victim' })).toBe(0);
    expect(await check.count(Calendar, { id: inst.calendar })).toBe(0);
    expect(await check.count(CalendarInstance, { principaluri: 'principals/victim' })).toBe(0);
    expect(await check.count(CalendarObject, { calendar: inst.calendar })).toBe(0);
    expect(await check.count(CalendarChange, { calendar: inst.calendar })).toBe(0);
    expect(await check.count(PropertyStorage, { path: 'calendars/victim/default' })).toBe(0);
    expect(await check.count(Tag, { user: victim.id })).toBe(0);
    expect(await check.count(ApiToken, { user: victim.id })).toBe(0);
    expect(await check.count(Calendar, { id: bInst.calendar })).toBe(1);
    expect(await server.domain.users.get('bystander')).not.toBeNull();
    await expect(server.domain.users.delete('victim')).rejects.toMatchObject({ kind: 'NotFound' });
  });
});
