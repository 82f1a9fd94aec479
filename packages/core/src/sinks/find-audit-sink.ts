import { sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import { type AuditSinkView, selectAuditSinks } from './audit-sink-view.ts';

/** This tenant's sink `id`; another tenant's id is NOT_FOUND, and the probe is recorded in that tenant. */
export async function findAuditSink(tx: TenantTx, id: string): Promise<AuditSinkView> {
  const [sink] = await selectAuditSinks(tx, sql`s.id = ${id}`);
  if (!sink) throw new AppError('NOT_FOUND', 'No such audit sink.', { probe: { table: 'audit_sinks', id } });
  return sink;
}
