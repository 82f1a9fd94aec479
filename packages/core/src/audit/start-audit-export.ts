import type { Database } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import { type AuditExportInput, exportRange, recordAuditExport } from './export-audit-events.ts';
import type { ExportFormat } from './export-formats.ts';

export interface StartAuditExportInput {
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
  const input: AuditExportInput = { format: request.format, range: exportRange(request.from, request.to) };
  await recordAuditExport(db, auth, input);
  return input;
}
