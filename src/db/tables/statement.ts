// A piece of SQL with its parameters, for statements that are composed before they are sent
// (several CTEs of one write sent as one statement).
export type SqlValue = string | number | Date | null;

export interface Statement {
  sql: string;
  params: SqlValue[];
}

/** `n` placeholders for an `in (…)` list. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
