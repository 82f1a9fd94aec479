import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { decodeCursor, encodeCursor } from '../pagination/cursor.ts';
import type { AuditActionFamily } from './audit-action-families.ts';
import { type AuditEventFilters, auditEventCondition } from './audit-event-query.ts';
import { countAuditEventFamilies } from './count-audit-event-families.ts';
import {
  type AuditEventRowWithPersonal,
  auditEventColumnsWithPersonal,
  openPersonalFields,
} from './open-personal-fields.ts';
import { type NamedAuditEvent, resolveAuditNames } from './resolve-audit-names.ts';

export interface ListAuditEventsInput extends AuditEventFilters {
  limit: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | undefined;
}

export interface AuditEventsPage {
  events: NamedAuditEvent[];
  nextCursor: string | null;
  /** Per family, how many events match the filters (the family filter aside); on the first page only. */
  counts: Record<AuditActionFamily, number> | null;
}

/**
 * One page of the tenant's audit events, newest first, keyset-paginated on
 * (created_at, id) so pages stay stable while events keep arriving, with
 * the names of their actors and resources (one more query per page), their
 * personal fields opened (or marked erased), and,
 * on the first page, the count of matching events per family. Runs in the
 * caller's withTenant transaction; the row policy does the tenant
 * filtering (system events, with no tenant, are never visible).
 */
export async function listAuditEvents(tx: TenantTx, input: ListAuditEventsInput): Promise<AuditEventsPage> {
  const last = input.cursor ? decodeCursor(input.cursor) : null;
  const after = last ? [sql`(created_at, id) < (${last.at}::timestamptz, ${last.id}::uuid)`] : [];
  const { rows } = await tx.execute<AuditEventRowWithPersonal & Record<string, unknown>>(
    sql`select ${auditEventColumnsWithPersonal} from audit_logs where ${sameTenant('audit_logs')} and ${auditEventCondition(input, after)}
        order by created_at desc, id desc limit ${input.limit + 1}`,
  );
  const page = rows.slice(0, input.limit).map(openPersonalFields);
  const end = page.at(-1);
  return {
    events: await resolveAuditNames(tx, page),
    nextCursor: rows.length > input.limit && end ? encodeCursor(end.createdAt, end.id) : null,
    counts: last ? null : await countAuditEventFamilies(tx, input),
  };
}
