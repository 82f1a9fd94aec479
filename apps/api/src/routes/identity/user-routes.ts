import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { changeUserRole, deactivateUser, findUser, inviteUser, listUsers, reactivateUser } from '@skillhub/core';
import type { AppEnv } from '../../app-env.ts';
import { defineRoute, IdParam, json, jsonBody, readId } from '../../openapi/define-route.ts';
import { adminGuard } from '../../openapi/route-guards.ts';
import { inTenant } from '../in-tenant.ts';
import { InviteBody, RoleBody, User } from './identity-schemas.ts';

const list = defineRoute({
  method: 'get',
  path: '/users',
  tags: ['Users'],
  summary: 'Users of this workspace (admins)',
  middleware: [adminGuard('list users')] as const,
  responses: { 200: json(z.object({ users: z.array(User) }), 'The workspace’s users') },
});

const invite = defineRoute({
  method: 'post',
  path: '/users',
  tags: ['Users'],
  summary: 'Invite a user; returns a one-time temporary password',
  middleware: [adminGuard('invite users')] as const,
  request: { body: jsonBody(InviteBody) },
  responses: { 201: json(z.object({ user: User, temporaryPassword: z.string() }), 'The new user') },
});

const read = defineRoute({
  method: 'get',
  path: '/users/{id}',
  tags: ['Users'],
  summary: 'One user (admins)',
  middleware: [adminGuard('read users')] as const,
  request: { params: IdParam },
  responses: { 200: json(User, 'The user') },
});

const changeRole = defineRoute({
  method: 'patch',
  path: '/users/{id}/role',
  tags: ['Users'],
  summary: 'Change a user’s role',
  middleware: [adminGuard('change roles')] as const,
  request: { params: IdParam, body: jsonBody(RoleBody) },
  responses: { 200: json(User, 'The changed user') },
});

const deactivate = defineRoute({
  method: 'post',
  path: '/users/{id}/deactivate',
  tags: ['Users'],
  summary: 'Deactivate a user and end their sessions',
  middleware: [adminGuard('deactivate users')] as const,
  request: { params: IdParam },
  responses: { 200: json(z.object({ endedSessions: z.number() }), 'How many of their sessions ended') },
});

const reactivate = defineRoute({
  method: 'post',
  path: '/users/{id}/reactivate',
  tags: ['Users'],
  summary: 'Let a deactivated user sign in again (an owner only by an owner)',
  middleware: [adminGuard('reactivate users')] as const,
  request: { params: IdParam },
  responses: { 200: json(User, 'The user, active again') },
});

export function registerUserRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    return c.json({ users: await inTenant(c, c.get('caller'), listUsers) }, 200);
  });

  app.openapi(invite, async (c) => {
    const auth = c.get('caller');
    const body = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => inviteUser(tx, auth.role, body)), 201);
  });

  app.openapi(read, async (c) => {
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, c.get('caller'), (tx) => findUser(tx, id)), 200);
  });

  app.openapi(changeRole, async (c) => {
    const auth = c.get('caller');
    const id = readId(c.req.valid('param').id);
    const { role } = c.req.valid('json');
    return c.json(await inTenant(c, auth, (tx) => changeUserRole(tx, auth.role, id, role)), 200);
  });

  app.openapi(deactivate, async (c) => {
    const auth = c.get('caller');
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, auth, (tx) => deactivateUser(tx, auth.role, auth.userId, id)), 200);
  });

  app.openapi(reactivate, async (c) => {
    const auth = c.get('caller');
    const id = readId(c.req.valid('param').id);
    return c.json(await inTenant(c, auth, (tx) => reactivateUser(tx, auth.role, id)), 200);
  });
}
