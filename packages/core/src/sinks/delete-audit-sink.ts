import { recordAuditEvent, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { findAuditSink } from './find-audit-sink.ts';

/** Removes a sink with its cursor and delivery history; the ledger keeps its record. */
export async function deleteAuditSink(tx: TenantTx, id: string): Promise<void> {
  const sink = await findAuditSink(tx, id);
  await tx.execute(sql`delete from audit_sinks where ${sameTenant('audit_sinks')} and id = ${id}`);
  await recordAuditEvent({
    action: 'audit_sink.deleted',
    resourceType: 'audit_sink',
    resourceId: id,
    metadata: { name: sink.name, url: sink.url, deliveredThrough: sink.deliveredThrough },
  });
}
