import type { OpenAPIHono } from '@hono/zod-openapi';
import { placeLegalHold, readRetentionState, releaseLegalHold, setRetentionPolicy } from '@skillhub/core';
import type { LegalHold, RetentionRecord } from '@skillhub/db';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, jsonBody, Ok, readId } from '../../openapi/define-route.ts';
import { adminGuard, auditReaderGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import {
  LegalHoldView,
  PlaceLegalHoldBody,
  ReleaseLegalHoldBody,
  RetentionPolicyView,
  RetentionState,
  SetRetentionPolicyBody,
} from './retention-schemas.ts';

const tags = ['Audit retention'];

const read = defineRoute({
  method: 'get',
  path: '/audit/retention',
  tags,
  summary: 'This workspace’s retention policy, legal holds and signed retention records (admins, or audit:read keys)',
  middleware: [auditReaderGuard('read audit retention')] as const,
  responses: { 200: json(RetentionState, 'Policy, holds and records') },
});

const setPolicy = defineRoute({
  method: 'put',
  path: '/audit/retention/policy',
  tags,
  summary: 'Set how many days this workspace keeps its audit events, within the deployment’s bounds (admins)',
  middleware: [adminGuard('change audit retention')] as const,
  request: { body: jsonBody(SetRetentionPolicyBody) },
  responses: { 200: json(RetentionPolicyView, 'The policy now in force') },
});

const placeHold = defineRoute({
  method: 'post',
  path: '/audit/legal-holds',
  tags,
  summary: 'Place a legal hold on this workspace, or on one subject (a user id or an email): retention stops (admins)',
  middleware: [adminGuard('place legal holds')] as const,
  request: { body: jsonBody(PlaceLegalHoldBody) },
  responses: { 201: json(LegalHoldView, 'The hold, recorded as legal_hold.placed') },
});

const releaseHold = defineRoute({
  method: 'post',
  path: '/audit/legal-holds/{id}/release',
  tags,
  summary: 'Release an active legal hold, with a reason (admins)',
  middleware: [adminGuard('release legal holds')] as const,
  request: { params: IdParam, body: jsonBody(ReleaseLegalHoldBody) },
  responses: { 200: json(Ok, 'Released, recorded as legal_hold.released') },
});

const holdView = (h: LegalHold) => ({
  ...h,
  placedAt: h.placedAt.toISOString(),
  releasedAt: h.releasedAt?.toISOString() ?? null,
});

const recordView = (r: RetentionRecord) => ({
  ...r,
  removedAt: r.removedAt.toISOString(),
  cutoff: r.cutoff.toISOString(),
});

export function registerRetentionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(read, async (c) => {
    const state = await inTenant(c, c.var.caller, (tx) => readRetentionState(tx, c.var.config));
    return c.json(
      { policy: state.policy, holds: state.holds.map(holdView), records: state.records.map(recordView) },
      200,
    );
  });

  app.openapi(setPolicy, async (c) => {
    const { keepDays } = c.req.valid('json');
    return c.json(await inTenant(c, c.var.caller, (tx) => setRetentionPolicy(tx, c.var.config, keepDays)), 200);
  });

  app.openapi(placeHold, async (c) => {
    const body = c.req.valid('json');
    const hold = await inTenant(c, c.var.caller, () => placeLegalHold(body));
    return c.json(holdView(hold), 201);
  });

  app.openapi(releaseHold, async (c) => {
    const id = readId(c.req.valid('param').id);
    const { reason } = c.req.valid('json');
    await inTenant(c, c.var.caller, () => releaseLegalHold(id, reason));
    return c.json({ ok: true as const }, 200);
  });
}
