// SQL of `tags`: a user's tag names and their colours.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/** Creates the tag unless the user has one of that name (concurrent creators do not collide). */
export async function insertTagIfMissing(em: SqlEntityManager, userId: number, name: string, color: string): Promise<void> {
  await em.execute('insert into tags (user_id, name, color) values (?, ?, ?) on conflict (user_id, name) do nothing', [userId, name, color]);
}
