import type { RawPool } from '@skillhub/db/bench';

/**
 * Runs an `insert … select` that takes the tenant ids ($1, text[]) and the
 * rows per tenant ($2), then any `extra` parameters ($3 …), over all
 * tenants, about 50,000 rows per statement so that progress shows without
 * many round trips; reports each tenth.
 */
export async function loadPerTenant(
  owner: RawPool,
  statement: string,
  load: { tenantIds: string[]; rowsPerTenant: number; what: string },
  say: (message: string) => void,
  extra: unknown[] = [],
): Promise<void> {
  const { tenantIds, rowsPerTenant } = load;
  const perChunk = Math.max(1, Math.floor(50_000 / rowsPerTenant));
  const tenth = tenantIds.length / 10;
  for (let i = 0; i < tenantIds.length; i += perChunk) {
    await owner.query(statement, [tenantIds.slice(i, i + perChunk), rowsPerTenant, ...extra]);
    const done = Math.min(i + perChunk, tenantIds.length);
    if (done === tenantIds.length || Math.floor(done / tenth) > Math.floor(i / tenth)) {
      say(`loaded ${load.what} of ${done}/${tenantIds.length} tenants`);
    }
  }
}
