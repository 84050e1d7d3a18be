// Values of one installation, made at its first start: the id that marks the events it pushes
// into other calendars (CLEANUP finds them), and the key that signs its answer links. A migration
// must not make them: the embedded template (src/db/embeddedTemplate.ts) holds every migration
// and is shared by every installation that starts from it.
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/** Creates the installation's keys that are missing; existing ones stay. */
export async function ensureInstanceKeys(em: SqlEntityManager): Promise<void> {
  await em.execute(
    `insert into "instance_settings" ("key", "value") values
       ('instance_id', gen_random_uuid()::text),
       ('answer_link_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
     on conflict ("key") do nothing`,
  );
}
