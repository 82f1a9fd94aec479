import type { HttpClient } from './http-client.ts';
import type { SignedUpUser, TestServer } from './test-server.ts';

/** How many ledger rows a tenant has, optionally of one action, counted as the owner (nothing can hide one). */
export async function countAuditEvents(t: TestServer, tenantId: string, action?: string): Promise<number> {
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    'select count(*) as n from audit_logs where tenant_id = $1 and ($2::text is null or action = $2)',
    [tenantId, action ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** How many security events a tenant has, optionally of one type. */
export async function countSecurityEvents(t: TestServer, tenantId: string, type?: string): Promise<number> {
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    'select count(*) as n from security_events where tenant_id = $1 and ($2::text is null or event_type::text = $2)',
    [tenantId, type ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** A client presenting a new API key of `owner`'s workspace with `scopes`. */
export async function apiKeyClient(t: TestServer, owner: SignedUpUser, scopes: string[]): Promise<HttpClient> {
  const created = await owner.client.post<{ key: string }>('/api-keys', { name: `key ${scopes.join(' ')}`, scopes });
  if (created.status !== 201) throw new Error(`API key creation failed: ${created.status} ${created.text}`);
  return t.client.fork({ headers: { authorization: `Bearer ${created.body.key}` } });
}

/**
 * Inserts `count` audit events for a tenant straight into the ledger as the
 * owner (generate_series), `padding` characters of metadata each, one
 * millisecond apart ending now. In statements of 5,000 rows: an open
 * transaction holds back sealing for the whole server, so none stays open long.
 */
export async function insertAuditEvents(t: TestServer, tenantId: string, count: number, padding = 0) {
  for (let first = 1; first <= count; first += 5_000) {
    await t.testDb.ownerQuery(
      `insert into audit_logs (tenant_id, actor_type, actor_id, action, resource_type, resource_id, ip_address,
                               metadata, created_at)
       select $1, 'system', 'bulk', 'skill.updated', 'skill', 'bulk-' || i, '192.0.2.1',
              jsonb_build_object('i', i, 'padding', repeat('x', $4)), now() - (($3 - i) * interval '1 millisecond')
       from generate_series($2::int, least($2::int + 4999, $3::int)) i`,
      [tenantId, first, count, padding],
    );
  }
}

/**
 * How many failures the tallies counted (security_event_tallies, every window):
 * of `type` in `tenantId` (null: system), optionally only one subject or target.
 */
export async function tallied(
  t: TestServer,
  where: { tenantId: string; type: string; subject?: string; target?: string },
): Promise<number> {
  const { rows } = await t.testDb.ownerQuery<{ n: string | null }>(
    `select sum(occurrences) as n from security_event_tallies
     where tenant_id = $1 and event_type::text = $2
       and ($3::text is null or subject = $3) and ($4::text is null or target = $4)`,
    [where.tenantId, where.type, where.subject ?? null, where.target ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Attempts on `tenantId`'s rows or host from credentials of `fromTenant`, as the tallies counted them. */
export const probesFrom = (t: TestServer, tenantId: string, fromTenant: string) =>
  tallied(t, { tenantId, type: 'access_blocked', target: `from:${fromTenant}` });

/** The count of each tally row (one per five-minute window) matching `where` (see {@link tallied}). */
export async function tallyCounts(
  t: TestServer,
  where: { tenantId: string; type: string; subject?: string; target?: string },
): Promise<number[]> {
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    `select occurrences as n from security_event_tallies
     where tenant_id = $1 and event_type::text = $2
       and ($3::text is null or subject = $3) and ($4::text is null or target = $4)
     order by window_start`,
    [where.tenantId, where.type, where.subject ?? null, where.target ?? null],
  );
  return rows.map((r) => Number(r.n));
}

/**
 * Which occurrences of a window's tally became events (migration 0021): the
 * first `first`, then the 10th, 100th, ... Tests compare against this per
 * window, so a burst that straddles a window boundary is judged exactly.
 */
export function eventOccurrences(counts: number[], first = 3): number[] {
  return counts
    .flatMap((n) => {
      const written: number[] = [];
      for (let i = 1; i <= Math.min(first, n); i++) written.push(i);
      for (let p = 10; p <= n; p *= 10) if (p > first) written.push(p);
      return written;
    })
    .sort((a, b) => a - b);
}
