import { type AuditExportInput, exportEncoders, type RequestAuth, streamAuditExport } from '@skillhub/core';
import { type DownloadContext, streamDownload } from './stream-download.ts';

/** The export of the filtered view as a chunked download (see streamDownload). */
export function streamExport(c: DownloadContext, auth: RequestAuth, input: AuditExportInput): Response {
  const encoder = exportEncoders[input.format];
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return streamDownload(c, {
    filename: `audit-${auth.tenantSlug}-${day(input.range.from)}-${day(input.range.to)}.${encoder.fileExtension}`,
    contentType: encoder.contentType,
    label: 'audit export',
    logFields: { format: input.format },
    produce: (write) => streamAuditExport(c.var.db, auth, input, write),
  });
}
