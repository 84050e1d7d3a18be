// A user's tags, set on feed calendars and on API tokens. A new tag's colour comes from its name:
// '#' + the first six of the eight zero-padded lowercase hex digits of its CRC-32.
import { crc32 } from 'node:zlib';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { Tag } from '../db/entities/index.ts';
import { insertTagIfMissing } from '../db/tables/tags.ts';
import { invalid } from './errors.ts';

export interface TagInfo {
  tag: string;
  color: string;
}

export function tagColor(name: string): string {
  return `#${crc32(Buffer.from(name, 'utf8')).toString(16).padStart(8, '0').slice(0, 6)}`;
}

export function checkTagName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalid('tag must not be empty', { field: 'tag' });
  if ([...name].length > 64 || /[\u0000-\u001f]/.test(name)) throw invalid('a tag is 1 to 64 characters without control characters', { field: 'tag' });
  return name;
}

/** The user's tags with these names, created when missing; in the order given, without repeats. */
export async function ensureTags(em: SqlEntityManager, userId: number, names: string[]): Promise<{ id: number; name: string; color: string }[]> {
  const unique = [...new Set(names.map(checkTagName))];
  if (!unique.length) return [];
  const existing = await em.find(Tag, { user: userId, name: { $in: unique } });
  const byName = new Map(existing.map((t) => [t.name, t]));
  for (const name of unique) {
    if (!byName.has(name)) {
      await insertTagIfMissing(em, userId, name, tagColor(name));
    }
  }
  const all = await em.find(Tag, { user: userId, name: { $in: unique } });
  const found = new Map(all.map((t) => [t.name, t]));
  return unique.map((n) => found.get(n)).filter((t): t is NonNullable<typeof t> => Boolean(t)).map((t) => ({ id: t.id, name: t.name, color: t.color }));
}
