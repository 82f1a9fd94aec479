import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';

/** A reader that takes no chunk for this long is dropped, releasing the export's connection. */
const stalledReaderMs = 60_000;

/** What a streamed download needs of the request's context. */
export type DownloadContext = Pick<Context, 'body'> & { var: Pick<AppEnv['Variables'], 'db' | 'logger'> };

export interface Download {
  filename: string;
  contentType: string;
  /** What the log lines call it, and fields they carry. */
  label: string;
  logFields?: Record<string, unknown>;
  /** Writes the body through `write` and resolves with the number of events written. */
  produce(write: (chunk: string) => Promise<void>): Promise<number>;
}

/**
 * A download as a chunked response body. A failure after the headers have
 * gone out errors the body, so the server drops the connection instead of
 * ending it cleanly: a reader can never mistake a cut-off export for a
 * whole one. (hono/streaming's `stream()` would end it cleanly.) A reader
 * that stalls for a minute is dropped.
 */
export function streamDownload(c: DownloadContext, download: Download): Response {
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
  void (async () => {
    try {
      const events = await download.produce(write);
      await writer.close();
      c.var.logger.info({ ...download.logFields, events, ms: Math.round(performance.now() - started) }, download.label);
    } catch (error) {
      // The reader went away or stalled, or the database failed: the transaction has rolled back.
      c.var.logger.warn({ ...download.logFields, err: error }, `${download.label} cut off`);
      await writer.abort(error).catch(() => {});
    }
  })();
  return c.body(readable, 200, {
    'content-type': download.contentType,
    'content-disposition': `attachment; filename="${download.filename}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}
