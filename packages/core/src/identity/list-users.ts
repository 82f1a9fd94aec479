import { sameTenant, type TenantTx, users } from '@skillhub/db';
import { publicUserColumns } from './find-user.ts';

export const listUsers = (tx: TenantTx) =>
  tx.select(publicUserColumns).from(users).where(sameTenant(users.tenantId)).orderBy(users.createdAt);
