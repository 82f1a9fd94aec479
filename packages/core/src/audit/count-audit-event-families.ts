import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { type AuditActionFamily, auditActionFamilies, familyOfRow } from './audit-action-families.ts';
import { type AuditEventFilters, auditEventCondition } from './audit-event-query.ts';

/**
 * How many of the tenant's events match `filters` in each family, every
 * filter applied but the family itself (so each family's count says what
 * choosing it would show). Counted by the database over the whole ledger,
 * not over a loaded page; runs in the caller's withTenant transaction.
 */
export async function countAuditEventFamilies(
  tx: TenantTx,
  filters: AuditEventFilters,
): Promise<Record<AuditActionFamily, number>> {
  const { family: _family, ...others } = filters;
  const { rows } = await tx.execute<{ family: AuditActionFamily; n: number }>(
    sql`select ${familyOfRow} as family, count(*)::int as n from audit_logs
        where ${sameTenant('audit_logs')} and ${auditEventCondition(others)} group by 1`,
  );
  const counts = Object.fromEntries(auditActionFamilies.map((f) => [f, 0])) as Record<AuditActionFamily, number>;
  for (const row of rows) counts[row.family] = row.n;
  return counts;
}
