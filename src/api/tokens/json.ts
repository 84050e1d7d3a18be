// A token as the APIs show it (never its secret or hash): /api/v0/tokens and the admin API's
// token routes print the same fields.
import type { TokenInfo } from '../../domain/tokens.ts';

export function tokenJson(t: TokenInfo, withLastUse: boolean): Record<string, string | string[] | null> {
  const out: Record<string, string | string[] | null> = {
    mom_id: t.momId,
    name: t.name,
    capabilities: t.capabilities,
    expires_at: t.expiresAt ? t.expiresAt.toISOString() : null,
    tags: t.tags,
    created_at: t.createdAt.toISOString(),
  };
  if (withLastUse) out.last_used_at = t.lastUsedAt ? t.lastUsedAt.toISOString() : null;
  return out;
}
