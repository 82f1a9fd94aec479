import { requireAuditReader, requireRole, requireUser } from '@skillhub/core';
import { guard } from './define-route.ts';
import { adminsOnly, usersOnly, usersOrKeysWith } from './route-access.ts';

/** A signed-in user (not an API key). */
export const userGuard = guard(requireUser, usersOnly);

/** A signed-in admin or owner; `action` names what the refusal says was refused. */
export const adminGuard = (action: string) => guard((auth) => requireRole(auth, 'admin', action), adminsOnly);

/** An admin, or an API key holding audit:read. */
export const auditReaderGuard = (action: string) =>
  guard((auth) => requireAuditReader(auth, action), { ...usersOrKeysWith('audit:read'), role: 'admin' });
