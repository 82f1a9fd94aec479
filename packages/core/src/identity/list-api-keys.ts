import { apiKeys, sameTenant, type TenantTx } from '@skillhub/db';
import { publicKeyColumns } from './api-key-columns.ts';

export const listApiKeys = (tx: TenantTx) =>
  tx.select(publicKeyColumns).from(apiKeys).where(sameTenant(apiKeys.tenantId)).orderBy(apiKeys.createdAt);
