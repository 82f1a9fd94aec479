import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, RequestAuth } from '../app-env.ts';
import {
  type AuditExportInput,
  exportRange,
  recordAuditExport,
  streamAuditExport,
} from '../audit/export-audit-events.ts';
import { exportEncoders } from '../audit/export-formats.ts';
import { listAuditEvents } from '../audit/list-audit-events.ts';
import { requireAuditReader } from '../audit/require-audit-reader.ts';
import { verifyAuditTrail } from '../audit/verify-audit-trail.ts';
import { inTenant } from '../middleware/guards.ts';
import { AuditEvent, AuditEventsQuery, AuditTrailStatus, ExportQuery, VerifyQuery } from './audit-schemas.ts';
import { decodeCursor } from './cursor.ts';
import { defineRoute, readQuery } from './openapi-route.ts';

/** A reader that takes no chunk for this long is dropped, releasing the export's connection. */
const stalledReaderMs = 60_000;

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/audit-events',
      tag: 'Audit',
      summary: 'Audit events of this workspace, newest first (admins, or API keys with audit:read)',
      query: AuditEventsQuery,
      response: z.object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() }),
    },
    async (c) => {
      const auth = await requireAuditReader(c, 'read the audit trail');
      const query = readQuery(c, AuditEventsQuery);
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      return c.json(await inTenant(c, auth, (tx) => listAuditEvents(tx, { ...query, after })));
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/audit/verify',
      tag: 'Audit',
      summary: 'Recompute this workspace’s audit hash chain: intact with its head, or the first break',
      query: VerifyQuery,
      response: AuditTrailStatus,
    },
    async (c) => {
      const auth = await requireAuditReader(c, 'verify the audit trail');
      readQuery(c, VerifyQuery);
      return c.json(await verifyAuditTrail(c.var.db, auth));
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/audit/export',
      tag: 'Audit',
      summary:
        'Export audit events as JSON Lines, CSV or OCSF 1.1.0 JSON, streamed, oldest first (at most 366 days; recorded as a data export)',
      query: ExportQuery,
    },
    async (c) => {
      const auth = await requireAuditReader(c, 'export the audit trail');
      const query = readQuery(c, ExportQuery);
      const input: AuditExportInput = { format: query.format, range: exportRange(query.from, query.to) };
      await recordAuditExport(c.var.db, auth, input);
      return streamExport(c, auth, input);
    },
  );
}

/**
 * The export as a chunked response body. A failure after the headers have
 * gone out errors the body, so the server drops the connection instead of
 * ending it cleanly: a reader can never mistake a cut-off export for a
 * whole one. (hono/streaming's `stream()` would end it cleanly.)
 */
function streamExport(c: Context<AppEnv>, auth: RequestAuth, input: AuditExportInput): Response {
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
