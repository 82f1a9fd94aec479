import { type AuditExportInput, exportEncoders, type RequestAuth, streamAuditExport } from '@skillhub/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';

/** A reader that takes no chunk for this long is dropped, releasing the export's connection. */
const stalledReaderMs = 60_000;

/** What the export needs of the request's context. */
type ExportContext = Pick<Context, 'body'> & { var: Pick<AppEnv['Variables'], 'db' | 'logger'> };

/**
 * The export as a chunked response body. A failure after the headers have
 * gone out errors the body, so the server drops the connection instead of
 * ending it cleanly: a reader can never mistake a cut-off export for a
 * whole one. (hono/streaming's `stream()` would end it cleanly.)
 */
export function streamExport(c: ExportContext, auth: RequestAuth, input: AuditExportInput): Response {
  const encoder = exportEncoders[input.format];
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const bytes = new TextEncoder();
  const write = async (chunk: string) => {
    if (chunk === '') return;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the reader took no data for a minute')), stalledReaderMs);
    });
    try {
      await Promise.race([writer.write(bytes.encode(chunk)), stalled]);
    } finally {
      clearTimeout(timer);
    }
  };
  const started = performance.now();
  const run = async () => {
    try {
      const events = await streamAuditExport(c.var.db, auth, input, write);
      await writer.close();
      c.var.logger.info({ events, format: input.format, ms: Math.round(performance.now() - started) }, 'audit export');
    } catch (error) {
      // The reader went away or stalled, or the database failed: the transaction has rolled back.
      c.var.logger.warn({ err: error, format: input.format }, 'audit export cut off');
      await writer.abort(error).catch(() => {});
    }
  };
  void run();
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const filename = `audit-${auth.tenantSlug}-${day(input.range.from)}-${day(input.range.to)}.${encoder.fileExtension}`;
  return c.body(readable, 200, {
    'content-type': encoder.contentType,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}
