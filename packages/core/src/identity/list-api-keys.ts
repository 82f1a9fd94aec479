import { apiKeys, type TenantTx } from '@skillhub/db';
import { publicKeyColumns } from './api-key-columns.ts';

export const listApiKeys = (tx: TenantTx) => tx.select(publicKeyColumns).from(apiKeys).orderBy(apiKeys.createdAt);
