import { sql, type TenantTx } from '@skillhub/db';
import { decodeCursor, encodeCursor } from '../pagination/cursor.ts';
import {
  type AuditEventFilters,
  type AuditEventView,
  auditEventColumns,
  auditEventCondition,
} from './audit-event-query.ts';

export interface ListAuditEventsInput extends AuditEventFilters {
  limit: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | undefined;
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
  const last = input.cursor ? decodeCursor(input.cursor) : null;
  const after = last ? [sql`(created_at, id) < (${last.at}::timestamptz, ${last.id}::uuid)`] : [];
  const { rows } = await tx.execute<AuditEventView & Record<string, unknown>>(
    sql`select ${auditEventColumns} from audit_logs where ${auditEventCondition(input, after)}
        order by created_at desc, id desc limit ${input.limit + 1}`,
  );
  const events = rows.slice(0, input.limit);
  const end = events.at(-1);
  return { events, nextCursor: rows.length > input.limit && end ? encodeCursor(end.createdAt, end.id) : null };
}
