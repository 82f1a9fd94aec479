import { type AuditBundle, type RequestAuth, streamAuditBundle } from '@skillhub/core';
import { type DownloadContext, streamDownload } from './stream-download.ts';

/**
 * The evidence bundle as a chunked download (see streamDownload): a bundle
 * cut off after the headers lacks its end line, which the verifier reports.
 */
export function streamBundle(c: DownloadContext, auth: RequestAuth, bundle: AuditBundle): Response {
  return streamDownload(c, {
    filename: `audit-${auth.tenantSlug}-${bundle.checkpoint.tree_size}.bundle.jsonl`,
    contentType: 'application/x-ndjson; charset=utf-8',
    label: 'audit bundle export',
    produce: (write) => streamAuditBundle(c.var.db, auth, bundle, write),
  });
}
