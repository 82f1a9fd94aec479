import { and, eq, sameTenant, type TenantTx, users } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';

export const loadUser = async (tx: TenantTx, userId: string) => {
  const [user] = await tx
    .select()
    .from(users)
    .where(and(sameTenant(users.tenantId), eq(users.id, userId)));
  if (!user) throw new AppError('UNAUTHENTICATED', 'Your account no longer exists.');
  return user;
};
