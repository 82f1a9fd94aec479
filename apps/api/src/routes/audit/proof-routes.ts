import type { OpenAPIHono } from '@hono/zod-openapi';
import { listCheckpointKeys, proveAuditConsistency, proveAuditEvent, readAuditCheckpoint } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, json } from '../../openapi/define-route.ts';
import { auditReaderGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import {
  AuditCheckpoint,
  AuditConsistencyProof,
  AuditInclusionProof,
  CheckpointKeys,
  ConsistencyQuery,
  EventProofParams,
  EventProofQuery,
} from './proof-schemas.ts';

const checkpoint = defineRoute({
  method: 'get',
  path: '/audit/checkpoint',
  tags: ['Audit'],
  summary: 'The latest signed checkpoint of this workspace’s audit tree (C2SP tlog-checkpoint, Ed25519)',
  middleware: [auditReaderGuard('read the audit checkpoint')] as const,
  responses: { 200: json(AuditCheckpoint, 'The checkpoint; keep it to check later that history was only appended') },
});

const eventProof = defineRoute({
  method: 'get',
  path: '/audit/events/{id}/proof',
  tags: ['Audit'],
  summary: 'Inclusion proof of one audit event in this workspace’s tree at a signed checkpoint (RFC 9162)',
  middleware: [auditReaderGuard('prove an audit event')] as const,
  request: { params: EventProofParams, query: EventProofQuery },
  responses: { 200: json(AuditInclusionProof, 'The proof and the checkpoint it leads to') },
});

const consistency = defineRoute({
  method: 'get',
  path: '/audit/proofs/consistency',
  tags: ['Audit'],
  summary: 'Consistency proof between two sizes of this workspace’s audit tree (RFC 9162)',
  middleware: [auditReaderGuard('prove the audit tree consistent')] as const,
  request: { query: ConsistencyQuery },
  responses: { 200: json(AuditConsistencyProof, 'The proof') },
});

const checkpointKeys = defineRoute({
  method: 'get',
  path: '/.well-known/skillhub/checkpoint-keys',
  tags: ['Audit'],
  summary: 'The public keys audit checkpoints are signed with (current and retired), for anyone to verify them',
  public: true,
  responses: { 200: json(CheckpointKeys, 'The keys, the current one first') },
});

/** Proofs over the tenant's audit tree (audit readers only), and the public checkpoint keys. */
export function registerProofRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(checkpoint, async (c) => c.json(await inTenant(c, c.get('caller'), () => readAuditCheckpoint()), 200));

  app.openapi(eventProof, async (c) => {
    const { id } = c.req.valid('param');
    const { tree_size } = c.req.valid('query');
    return c.json(await inTenant(c, c.get('caller'), () => proveAuditEvent(id, tree_size)), 200);
  });

  app.openapi(consistency, async (c) => {
    const { from, to } = c.req.valid('query');
    return c.json(await inTenant(c, c.get('caller'), () => proveAuditConsistency(from, to)), 200);
  });
}

/** The well-known keys route: public, registered before authentication, reaching no tenant data. */
export function registerCheckpointKeyRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(checkpointKeys, (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json({ keys: listCheckpointKeys(c.get('config')) }, 200);
  });
}
