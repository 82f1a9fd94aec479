import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { createInvitation, listInvitations, revokeInvitation } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, jsonBody, readId } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { CreateInvitationBody, Invitation } from './identity-schemas.ts';

const create = defineRoute({
  method: 'post',
  path: '/invitations',
  tags: ['Users'],
  summary: 'Invite someone by email with a role (an owner only by an owner); the link works for 7 days',
  middleware: [adminGuard('invite people')] as const,
  request: { body: jsonBody(CreateInvitationBody) },
  responses: { 201: json(Invitation, 'The invitation; its link went to the address, never in this response') },
});

const list = defineRoute({
  method: 'get',
  path: '/invitations',
  tags: ['Users'],
  summary: 'Pending invitations of this workspace (admins)',
  middleware: [adminGuard('list invitations')] as const,
  responses: { 200: json(z.object({ invitations: z.array(Invitation) }), 'Neither accepted, revoked nor expired') },
});

const revoke = defineRoute({
  method: 'delete',
  path: '/invitations/{id}',
  tags: ['Users'],
  summary: 'Withdraw a pending invitation; its link stops working',
  middleware: [adminGuard('revoke invitations')] as const,
  request: { params: IdParam },
  responses: { 200: json(Invitation, 'The withdrawn invitation') },
});

export function registerInvitationRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    return c.json(await createInvitation(c.get('db'), c.get('mail'), c.get('config'), c.get('caller'), body), 201);
  });

  app.openapi(list, async (c) => {
    return c.json({ invitations: await inTenant(c, c.get('caller'), listInvitations) }, 200);
  });

  app.openapi(revoke, async (c) => {
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, c.get('caller'), (tx) => revokeInvitation(tx, id)), 200);
  });
}
