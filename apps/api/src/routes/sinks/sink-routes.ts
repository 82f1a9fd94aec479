import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createAuditSink,
  deleteAuditSink,
  findAuditSink,
  listAuditSinks,
  listSinkAttempts,
  replayAuditSink,
  testAuditSink,
  updateAuditSink,
} from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, jsonBody, Ok, readId } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import {
  AuditSink,
  CreateAuditSinkBody,
  ReplayAuditSinkBody,
  SinkAttempt,
  SinkAttemptsQuery,
  SinkTestResult,
  UpdateAuditSinkBody,
} from './sink-schemas.ts';

const tags = ['Audit sinks'];

const create = defineRoute({
  method: 'post',
  path: '/audit/sinks',
  tags,
  summary: 'Stream sealed audit events to a webhook; the signing secret is shown only in this response',
  middleware: [adminGuard('create audit sinks')] as const,
  request: { body: jsonBody(CreateAuditSinkBody) },
  responses: {
    201: json(AuditSink.extend({ signingSecret: z.string() }), 'The new sink, with its Standard Webhooks secret'),
  },
});

const list = defineRoute({
  method: 'get',
  path: '/audit/sinks',
  tags,
  summary: 'Audit sinks of this workspace, with delivery state and lag',
  middleware: [adminGuard('list audit sinks')] as const,
  responses: { 200: json(z.object({ sinks: z.array(AuditSink) }), 'The workspace’s sinks') },
});

const get = defineRoute({
  method: 'get',
  path: '/audit/sinks/{id}',
  tags,
  summary: 'One audit sink',
  middleware: [adminGuard('read audit sinks')] as const,
  request: { params: IdParam },
  responses: { 200: json(AuditSink, 'The sink') },
});

const update = defineRoute({
  method: 'patch',
  path: '/audit/sinks/{id}',
  tags,
  summary: 'Rename, re-point, re-format, pause or resume an audit sink',
  middleware: [adminGuard('change audit sinks')] as const,
  request: { params: IdParam, body: jsonBody(UpdateAuditSinkBody) },
  responses: { 200: json(AuditSink, 'The changed sink') },
});

const remove = defineRoute({
  method: 'delete',
  path: '/audit/sinks/{id}',
  tags,
  summary: 'Delete an audit sink and its delivery history',
  middleware: [adminGuard('delete audit sinks')] as const,
  request: { params: IdParam },
  responses: { 200: json(Ok, 'Deleted') },
});

const test = defineRoute({
  method: 'post',
  path: '/audit/sinks/{id}/test',
  tags,
  summary: 'Send a signed test message to the sink now and report its answer',
  middleware: [adminGuard('test audit sinks')] as const,
  request: { params: IdParam },
  responses: { 200: json(SinkTestResult, 'What the receiver answered') },
});

const replay = defineRoute({
  method: 'post',
  path: '/audit/sinks/{id}/replay',
  tags,
  summary: 'Deliver again from a leaf index (backfill); resumes a paused sink',
  middleware: [adminGuard('replay audit sinks')] as const,
  request: { params: IdParam, body: jsonBody(ReplayAuditSinkBody) },
  responses: { 200: json(AuditSink, 'The sink, its cursor moved') },
});

const attempts = defineRoute({
  method: 'get',
  path: '/audit/sinks/{id}/attempts',
  tags,
  summary: 'Delivery history of a sink: attempts, status codes, latency, newest first',
  middleware: [adminGuard('read audit sink history')] as const,
  request: { params: IdParam, query: SinkAttemptsQuery },
  responses: { 200: json(z.object({ attempts: z.array(SinkAttempt) }), 'The latest attempts') },
});

export function registerSinkRoutes(app: OpenAPIHono<AppEnv>): void {
  const policy = (c: { var: AppEnv['Variables'] }) => ({
    allowPrivateNetwork: c.var.config.sinks.allowPrivateNetwork,
    timeoutMs: c.var.config.sinks.timeoutMs,
  });

  app.openapi(create, async (c) => {
    const auth = c.var.caller;
    const body = c.req.valid('json');
    const ring = c.var.config.keys.secrets();
    const sink = await inTenant(c, auth, (tx) =>
      createAuditSink(tx, ring, policy(c), { ...body, createdBy: auth.userId }),
    );
    return c.json(sink, 201);
  });

  app.openapi(list, async (c) => c.json({ sinks: await inTenant(c, c.var.caller, listAuditSinks) }, 200));

  app.openapi(get, async (c) => {
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, c.var.caller, (tx) => findAuditSink(tx, id)), 200);
  });

  app.openapi(update, async (c) => {
    const id = readId(c.req.valid('param').id);
    const body = c.req.valid('json');
    return c.json(await inTenant(c, c.var.caller, (tx) => updateAuditSink(tx, policy(c), id, body)), 200);
  });

  app.openapi(remove, async (c) => {
    const id = readId(c.req.valid('param').id);
    await inTenant(c, c.var.caller, (tx) => deleteAuditSink(tx, id));
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(test, async (c) => {
    const id = readId(c.req.valid('param').id);
    const result = await testAuditSink(c.var.db, c.var.caller, c.var.config.keys.secrets(), policy(c), id);
    return c.json(
      { webhookId: result.webhookId, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error },
      200,
    );
  });

  app.openapi(replay, async (c) => {
    const id = readId(c.req.valid('param').id);
    const { fromLeaf } = c.req.valid('json');
    return c.json(await inTenant(c, c.var.caller, (tx) => replayAuditSink(tx, id, fromLeaf)), 200);
  });

  app.openapi(attempts, async (c) => {
    const id = readId(c.req.valid('param').id);
    const { limit } = c.req.valid('query');
    return c.json({ attempts: await inTenant(c, c.var.caller, (tx) => listSinkAttempts(tx, id, limit)) }, 200);
  });
}
