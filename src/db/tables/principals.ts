// SQL of `principals` read with the `users` row of the same name (principals/<username>), and
// of the instances that share a calendar with them.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { placeholders } from './statement.ts';

/** Users whose principal has one of these (lower-cased) email addresses. */
export async function selectUsersByEmail(em: SqlEntityManager, emails: string[]): Promise<{ uri: string; email: string; id: number; username: string }[]> {
  if (!emails.length) return [];
  return em.execute(
    `select p.uri, lower(p.email) as email, u.id, u.username from principals p join users u on 'principals/' || u.username = p.uri
      where lower(p.email) in (${placeholders(emails.length)})`,
    emails,
  );
}

/** A principal's email address, lower-cased. */
export async function selectEmailOf(em: SqlEntityManager, principaluri: string): Promise<string | null> {
  const rows = await em.execute<{ email: string | null }[]>('select lower(email) as email from principals where uri = ?', [principaluri]);
  return rows[0]?.email ?? null;
}

/** Main principals with their user (if any), in id order. */
export async function selectMainPrincipals(em: SqlEntityManager): Promise<{ principal_id: number; uri: string; user_id: number | null; username: string | null }[]> {
  return em.execute(
    `select p.id as principal_id, p.uri, u.id as user_id, u.username
       from principals p left join users u on 'principals/' || u.username = p.uri
      where p.is_main order by p.id`,
  );
}

export interface ShareeRow {
  principaluri: string;
  access: number;
  principal_id: number;
  displayname: string | null;
  email: string | null;
  user_id: number | null;
  username: string | null;
}

/** The sharees of the calendar behind an instance (any instance of it), in the order shared. */
export async function selectSharees(em: SqlEntityManager, instanceId: number): Promise<ShareeRow[]> {
  return em.execute<ShareeRow[]>(
    `select s.principaluri, s.access, p.id as principal_id, p.displayname, p.email, u.id as user_id, u.username
       from calendarinstances i
       join calendarinstances s on s.calendarid = i.calendarid and s.access not in (0, 1)
       join principals p on p.uri = s.principaluri
       left join users u on 'principals/' || u.username = s.principaluri
      where i.id = ?
      order by s.id`,
    [instanceId],
  );
}

/** The user behind a principal (principals/<username>) with the principal's address, if both exist. */
export async function selectUserOfPrincipal(em: SqlEntityManager, principaluri: string): Promise<{ uri: string; email: string | null; id: number; username: string } | undefined> {
  const rows = await em.execute<{ uri: string; email: string | null; id: number; username: string }[]>(
    `select p.uri, lower(p.email) as email, u.id, u.username from principals p join users u on 'principals/' || u.username = p.uri where p.uri = ?`,
    [principaluri],
  );
  return rows[0];
}
