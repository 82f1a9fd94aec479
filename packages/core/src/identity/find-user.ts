import { and, eq, sameTenant, type TenantTx, users } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

export const publicUserColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  role: users.role,
  isActive: users.isActive,
  mfaEnabled: users.mfaEnabled,
  createdAt: users.createdAt,
};

/** A user of this tenant; another tenant's id is simply not found. */
export async function findUser(tx: TenantTx, userId: string) {
  const [user] = await tx
    .select(publicUserColumns)
    .from(users)
    .where(and(sameTenant(users.tenantId), eq(users.id, userId)));
  if (!user) throw new AppError('NOT_FOUND', 'No such user.', { probe: { table: 'users', id: userId } });
  return user;
}
