import type { TenantTx } from '@skillhub/db';
import { type AuditSinkView, selectAuditSinks } from './audit-sink-view.ts';

/** Every sink of the tenant, oldest first, with where its delivery stands. */
export const listAuditSinks = (tx: TenantTx): Promise<AuditSinkView[]> => selectAuditSinks(tx);
