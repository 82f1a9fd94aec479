import type { Database } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import {
  type AuditExportFilters,
  type AuditExportInput,
  exportRange,
  recordAuditExport,
} from './export-audit-events.ts';
import type { ExportFormat } from './export-formats.ts';

export interface StartAuditExportInput extends AuditExportFilters {
  format: ExportFormat;
  /** ISO 8601 bounds, both optional: see {@link exportRange}. */
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * Checks an export's range (400 past 366 days) and puts the export on
 * record before any of it is sent; the caller then streams what this
 * returns with {@link streamAuditExport}.
 *
 * @example
 * const input = await startAuditExport(db, auth, { format: 'csv' });
 * await streamAuditExport(db, auth, input, write);
 */
export async function startAuditExport(
  db: Database,
  auth: RequestAuth,
  request: StartAuditExportInput,
): Promise<AuditExportInput> {
  const { format, from, to, ...given } = request;
  // Absent filters are left out, so the export's record names only those that narrowed it.
  const filters = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value !== undefined && value !== false),
  ) as AuditExportFilters;
  const input: AuditExportInput = { format, range: exportRange(from, to), filters };
  await recordAuditExport(db, auth, input);
  return input;
}
