import { type SQL, sql } from '@skillhub/db';
import { isoTimestamp } from '../pagination/cursor.ts';
import { type AuditActionFamily, familyOfRow, usageNoiseAction } from './audit-action-families.ts';

/**
 * What the audit routes and exports filter on. Only ever applied inside
 * the caller's `withTenant` transaction: the ledger's row policy limits
 * every query to the tenant, so no filter here names one.
 */
export interface AuditEventFilters {
  actor?: string | undefined;
  action?: string | undefined;
  family?: AuditActionFamily | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  /** ISO 8601 bounds on created_at, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Text that must appear (case-insensitively) in the event: its action, ids, address, metadata or records. */
  q?: string | undefined;
  /** Leaves out the row changes recorded for each use of a skill ({@link usageNoiseAction}). */
  hideUsage?: boolean | undefined;
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
export const auditEventColumns = sql`id, nullif(tenant_id, '') as "tenantId", actor_type as "actorType", actor_id as "actorId",
  action, resource_type as "resourceType", resource_id as "resourceId", host(ip_address) as "ipAddress",
  request_id as "requestId", metadata, operation::text as operation, table_name as "tableName",
  old_record as "oldRecord", new_record as "newRecord", changed_fields as "changedFields",
  ${isoTimestamp(sql.raw('created_at'))} as "createdAt"`;

/** `text` as a LIKE pattern that matches it anywhere, its own wildcards taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Everything a person might search an event for, as one text. */
const searchableText = sql`concat_ws(' ', action, actor_id, resource_type, resource_id, host(ip_address), request_id,
  metadata::text, old_record::text, new_record::text)`;

/** The filters as one `where` condition (`true` when there are none). */
export function auditEventCondition(filters: AuditEventFilters, extra: SQL[] = []): SQL {
  const conditions = [
    filters.actor !== undefined && sql`actor_id = ${filters.actor}`,
    filters.action !== undefined && sql`action = ${filters.action}`,
    filters.family !== undefined && sql`${familyOfRow} = ${filters.family}`,
    filters.resourceType !== undefined && sql`resource_type = ${filters.resourceType}`,
    filters.resourceId !== undefined && sql`resource_id = ${filters.resourceId}`,
    filters.from !== undefined && sql`created_at >= ${filters.from}::timestamptz`,
    filters.to !== undefined && sql`created_at <= ${filters.to}::timestamptz`,
    filters.q !== undefined && sql`${searchableText} ilike ${containing(filters.q)}`,
    filters.hideUsage === true && sql`action <> ${usageNoiseAction}`,
    ...extra,
  ].filter((condition): condition is SQL => condition !== false);
  return conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);
}
