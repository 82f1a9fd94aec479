import { sql, type TenantTx } from '@skillhub/db';
import { encodeCursor } from '../routes/cursor.ts';
import {
  type AuditEventFilters,
  type AuditEventView,
  auditEventColumns,
  auditEventCondition,
} from './audit-event-query.ts';

export interface ListAuditEventsInput extends AuditEventFilters {
  limit: number;
  /** The last event of the previous page, from its cursor. */
  after?: { at: string; id: string } | null;
}

/**
 * One page of the tenant's audit events, newest first, keyset-paginated on
 * (created_at, id) so pages stay stable while events keep arriving. Runs
 * in the caller's withTenant transaction; the row policy does the tenant
 * filtering (system events, with no tenant, are never visible).
 */
export async function listAuditEvents(
  tx: TenantTx,
  input: ListAuditEventsInput,
): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const after = input.after ? [sql`(created_at, id) < (${input.after.at}::timestamptz, ${input.after.id}::uuid)`] : [];
  const { rows } = await tx.execute<AuditEventView & Record<string, unknown>>(
    sql`select ${auditEventColumns} from audit_logs where ${auditEventCondition(input, after)}
        order by created_at desc, id desc limit ${input.limit + 1}`,
  );
  const events = rows.slice(0, input.limit);
  const last = events.at(-1);
  return { events, nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
