import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { userRoles } from '@skillhub/db';
import type { AppEnv } from '../app-env.ts';
import { changeUserRole, deactivateUser, findUser, inviteUser, listUsers } from '../identity/manage-users.ts';
import { inTenant, requireRole } from '../middleware/guards.ts';
import { defineRoute, readBody, readId } from './openapi-route.ts';

const User = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(userRoles),
    isActive: z.boolean(),
    mfaEnabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('User');
const InviteBody = z
  .strictObject({
    email: z.email().max(254),
    displayName: z.string().trim().min(1).max(100),
    role: z.enum(userRoles).default('member'),
  })
  .openapi('InviteUser');
const RoleBody = z.strictObject({ role: z.enum(userRoles) }).openapi('ChangeRole');

export function registerUserRoutes(app: OpenAPIHono<AppEnv>): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/users',
      tag: 'Users',
      summary: 'Users of this workspace (admins)',
      response: z.object({ users: z.array(User) }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'list users');
      return c.json({ users: await inTenant(c, auth, listUsers) });
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/users',
      tag: 'Users',
      summary: 'Invite a user; returns a one-time temporary password',
      body: InviteBody,
      response: z.object({ user: User, temporaryPassword: z.string() }),
      status: 201,
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'invite users');
      const body = await readBody(c, InviteBody);
      return c.json(await inTenant(c, auth, (tx) => inviteUser(tx, auth.role, body)), 201);
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/users/:id', tag: 'Users', summary: 'One user (admins)', response: User },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'read users');
      const id = readId(c);
      return c.json(await inTenant(c, auth, (tx) => findUser(tx, id)));
    },
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/users/:id/role',
      tag: 'Users',
      summary: 'Change a user’s role',
      body: RoleBody,
      response: User,
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'change roles');
      const id = readId(c);
      const { role } = await readBody(c, RoleBody);
      return c.json(await inTenant(c, auth, (tx) => changeUserRole(tx, auth.role, id, role)));
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/users/:id/deactivate',
      tag: 'Users',
      summary: 'Deactivate a user and end their sessions',
      response: z.object({ endedSessions: z.number() }),
    },
    async (c) => {
      const auth = await requireRole(c, 'admin', 'deactivate users');
      const id = readId(c);
      return c.json(await inTenant(c, auth, (tx) => deactivateUser(tx, auth.role, auth.userId, id)));
    },
  );
}
