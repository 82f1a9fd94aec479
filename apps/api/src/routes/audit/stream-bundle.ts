import { type AuditBundle, type RequestAuth, streamAuditBundle } from '@skillhub/core';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';

/** A reader that takes no chunk for this long is dropped, releasing the export's connection. */
const stalledReaderMs = 60_000;

type BundleContext = Pick<Context, 'body'> & { var: Pick<AppEnv['Variables'], 'db' | 'logger'> };

/**
 * The evidence bundle as a chunked response body, like streamExport: a
 * failure after the headers errors the body, so a cut-off bundle never ends
 * cleanly (and lacks its end line, which the verifier reports).
 */
export function streamBundle(c: BundleContext, auth: RequestAuth, bundle: AuditBundle): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const bytes = new TextEncoder();
  const write = async (chunk: string) => {
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
      const events = await streamAuditBundle(c.var.db, auth, bundle, write);
      await writer.close();
      c.var.logger.info({ events, ms: Math.round(performance.now() - started) }, 'audit bundle export');
    } catch (error) {
      c.var.logger.warn({ err: error }, 'audit bundle export cut off');
      await writer.abort(error).catch(() => {});
    }
  })();
  const filename = `audit-${auth.tenantSlug}-${bundle.checkpoint.tree_size}.bundle.jsonl`;
  return c.body(readable, 200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}
