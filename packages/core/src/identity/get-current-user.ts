import { and, eq, sameTenant, type TenantTx, tenants, users } from '@skillhub/db';
import type { UserAuth } from '../auth/request-auth.ts';
import { AppError } from '../errors/app-error.ts';

/** The signed-in user and their workspace. */
export async function getCurrentUser(tx: TenantTx, auth: UserAuth) {
  const [user] = await tx
    .select({
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      mfaEnabled: users.mfaEnabled,
    })
    .from(users)
    .where(and(sameTenant(users.tenantId), eq(users.id, auth.userId)));
  const [tenant] = await tx.select({ id: tenants.id, slug: tenants.slug, name: tenants.name }).from(tenants);
  if (!user || !tenant) throw new AppError('UNAUTHENTICATED', 'Your account no longer exists.');
  return { user, tenant, sessionId: auth.sessionId };
}
