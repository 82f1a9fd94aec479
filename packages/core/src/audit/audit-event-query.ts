import { type SQL, sql } from '@skillhub/db';
import { isoTimestamp } from '../pagination/cursor.ts';

/**
 * What the audit routes and exports filter on. Only ever applied inside
 * the caller's `withTenant` transaction: the ledger's row policy limits
 * every query to the tenant, so no filter here names one.
 */
export interface AuditEventFilters {
  actor?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  /** ISO 8601 bounds on created_at, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

/** One ledger row as the API shows it. */
export interface AuditEventView {
  id: string;
  tenantId: string;
  actorType: string;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  ipAddress: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  /** For row changes captured by triggers: INSERT, UPDATE, DELETE or TRUNCATE, on `tableName`. */
  operation: string | null;
  tableName: string | null;
  oldRecord: Record<string, unknown> | null;
  newRecord: Record<string, unknown> | null;
  changedFields: string[] | null;
  /** ISO 8601 with microseconds. */
  createdAt: string;
}

/** The select list that yields an {@link AuditEventView} (the ledger has no Drizzle model: it is written by SQL). */
export const auditEventColumns = sql`id, tenant_id as "tenantId", actor_type as "actorType", actor_id as "actorId",
  action, resource_type as "resourceType", resource_id as "resourceId", host(ip_address) as "ipAddress",
  request_id as "requestId", metadata, operation::text as operation, table_name as "tableName",
  old_record as "oldRecord", new_record as "newRecord", changed_fields as "changedFields",
  ${isoTimestamp(sql.raw('created_at'))} as "createdAt"`;

/** The filters as one `where` condition (`true` when there are none). */
export function auditEventCondition(filters: AuditEventFilters, extra: SQL[] = []): SQL {
  const conditions = [
    filters.actor !== undefined && sql`actor_id = ${filters.actor}`,
    filters.action !== undefined && sql`action = ${filters.action}`,
    filters.resourceType !== undefined && sql`resource_type = ${filters.resourceType}`,
    filters.resourceId !== undefined && sql`resource_id = ${filters.resourceId}`,
    filters.from !== undefined && sql`created_at >= ${filters.from}::timestamptz`,
    filters.to !== undefined && sql`created_at <= ${filters.to}::timestamptz`,
    ...extra,
  ].filter((condition): condition is SQL => condition !== false);
  return conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);
}
