import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  getAuditChainState,
  listAuditEvents,
  startAuditBundle,
  startAuditExport,
  verifyAuditTrail,
} from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json } from '../../openapi/define-route.ts';
import { auditReaderGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import {
  AuditChainState,
  AuditEventsPage,
  AuditEventsQuery,
  AuditTrailStatus,
  ExportQuery,
  VerifyQuery,
} from './audit-schemas.ts';
import { streamBundle } from './stream-bundle.ts';
import { streamExport } from './stream-export.ts';

const list = defineRoute({
  method: 'get',
  path: '/audit-events',
  tags: ['Audit'],
  summary:
    'Audit events of this workspace, newest first, with who acted and on what by name, and (first page) counts per family (admins, or API keys with audit:read)',
  middleware: [auditReaderGuard('read the audit trail')] as const,
  request: { query: AuditEventsQuery },
  responses: { 200: json(AuditEventsPage, 'One page') },
});

const status = defineRoute({
  method: 'get',
  path: '/audit/status',
  tags: ['Audit'],
  summary: 'The latest verification of this workspace’s hash chain and how far sealing has come; records nothing',
  middleware: [auditReaderGuard('read the audit trail’s status')] as const,
  request: { query: VerifyQuery },
  responses: { 200: json(AuditChainState, 'The chain as last verified and as sealed now') },
});

const verify = defineRoute({
  method: 'post',
  path: '/audit/verify',
  tags: ['Audit'],
  summary:
    'Recompute this workspace’s audit hash chain: intact with its head, or the first break (recorded as one audit.verified event)',
  middleware: [auditReaderGuard('verify the audit trail')] as const,
  request: { query: VerifyQuery },
  responses: { 200: json(AuditTrailStatus, 'The chain’s state, recorded as audit.verified') },
});

// The body is streamed as it is read from the database, so it is described here but never validated.
const exportEvents = defineRoute({
  method: 'get',
  path: '/audit/export',
  tags: ['Audit'],
  summary:
    'Export audit events as JSON Lines, CSV or OCSF 1.1.0 JSON, streamed, oldest first, with the list’s filters (at most 366 days; recorded as a data export)',
  middleware: [auditReaderGuard('export the audit trail')] as const,
  request: { query: ExportQuery },
  responses: {
    200: {
      description: 'The events as an attachment, in the requested format',
      headers: {
        'content-disposition': {
          description: 'attachment; filename="audit-<workspace>-<from>-<to>.<extension>"',
          schema: { type: 'string' },
        },
      },
      content: {
        'application/x-ndjson': { schema: { type: 'string', description: 'format=jsonl: one AuditEvent per line' } },
        'text/csv': { schema: { type: 'string', description: 'format=csv: a header row, then one row per event' } },
        'application/json': {
          schema: { type: 'array', items: { type: 'object' }, description: 'format=ocsf: OCSF 1.1.0 events' },
        },
      },
    },
  },
});

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    return c.json(await inTenant(c, c.get('caller'), (tx) => listAuditEvents(tx, query)), 200);
  });

  app.openapi(status, async (c) => c.json(await inTenant(c, c.get('caller'), (tx) => getAuditChainState(tx)), 200));

  app.openapi(verify, async (c) => c.json(await verifyAuditTrail(c.get('db'), c.get('caller'), c.get('config')), 200));

  app.openapi(exportEvents, async (c) => {
    const auth = c.get('caller');
    const { format, events, ...query } = c.req.valid('query');
    if (format === 'bundle') return streamBundle(c, auth, await startAuditBundle(c.get('db'), auth, events ?? 'jsonl'));
    const input = await startAuditExport(c.get('db'), auth, { ...query, format });
    return streamExport(c, auth, input);
  });
}
