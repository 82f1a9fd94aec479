import { type Database, logSecurityEvent, recordAuditEvent, sameTenant, sql } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';
import { type AuditEventFilters, auditEventCondition } from './audit-event-query.ts';
import { type ExportFormat, exportEncoders } from './export-formats.ts';
import {
  type AuditEventRowWithPersonal,
  auditEventColumnsWithPersonal,
  openPersonalFields,
} from './open-personal-fields.ts';

/** The longest range one export may cover. */
export const maxExportDays = 366;
/** Without `from`, an export covers this many days up to `to`. */
export const defaultExportDays = 30;
const day = 24 * 60 * 60 * 1000;
/** Events fetched from the cursor per round trip, encoded and written as one chunk. */
const batchSize = 1_000;

export interface ExportRange {
  from: Date;
  to: Date;
}

/** The list's filters that an export applies too; its own range replaces `from` and `to`. */
export type AuditExportFilters = Omit<AuditEventFilters, 'from' | 'to'>;

export interface AuditExportInput {
  format: ExportFormat;
  range: ExportRange;
  /** The same filters as the filtered view being exported; none exports every event in the range. */
  filters?: AuditExportFilters | undefined;
}

/** The bounded range of an export: `to` defaults to now, `from` to 30 days before `to`; at most 366 days. */
export function exportRange(from: string | undefined, to: string | undefined, now = new Date()): ExportRange {
  const end = to ? new Date(to) : now;
  const start = from ? new Date(from) : new Date(end.getTime() - defaultExportDays * day);
  if (start > end) throw new AppError('VALIDATION_FAILED', '`from` must not be after `to`.');
  if (end.getTime() - start.getTime() > maxExportDays * day) {
    throw new AppError('VALIDATION_FAILED', `An export covers at most ${maxExportDays} days; narrow from/to.`);
  }
  return { from: start, to: end };
}

/**
 * Puts an export on record before any of it is sent: a `data_export`
 * security event and an `audit.exported` audit event, committed in their
 * own transaction, so an export that fails or is cut off midway is still
 * recorded.
 */
export async function recordAuditExport(db: Database, auth: RequestAuth, input: AuditExportInput): Promise<void> {
  const details = {
    what: 'audit_events',
    format: input.format,
    from: input.range.from,
    to: input.range.to,
    ...(input.filters && Object.keys(input.filters).length > 0 && { filters: input.filters }),
  };
  await db.withTenant(auth.tenantId, auth.actor, async () => {
    await logSecurityEvent({ type: 'data_export', severity: 'low', details });
    await recordAuditEvent({ action: 'audit.exported', resourceType: 'audit_log', metadata: details });
  });
}

/**
 * Encodes the tenant's audit events in [from, to], oldest first, handing
 * each batch to `write` and waiting for it before fetching the next, so
 * memory holds one batch whatever the range (a slow reader slows the
 * export down; it never piles up). One read-only transaction and one
 * cursor give a consistent snapshot; the row policy limits it to the
 * tenant. Personal fields are opened for the tenant, or marked erased. Returns how many events were written.
 */
export async function streamAuditExport(
  db: Database,
  auth: RequestAuth,
  input: AuditExportInput,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const encoder = exportEncoders[input.format];
  const range = { ...input.filters, from: input.range.from.toISOString(), to: input.range.to.toISOString() };
  return db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    // Read-only: no transaction id is taken, so a long export never holds back sealing.
    await tx.execute(sql`set transaction read only`);
    await tx.execute(sql`declare audit_export no scroll cursor for
      select ${auditEventColumnsWithPersonal} from audit_logs where ${sameTenant('audit_logs')} and ${auditEventCondition(range)}
      order by created_at, id`);
    await write(encoder.head());
    let written = 0;
    for (;;) {
      const { rows } = await tx.execute<AuditEventRowWithPersonal & Record<string, unknown>>(
        sql`fetch ${sql.raw(String(batchSize))} from audit_export`,
      );
      if (rows.length === 0) break;
      await write(encoder.batch(rows.map(openPersonalFields), written));
      written += rows.length;
    }
    await write(encoder.tail());
    return written;
  });
}
