import { recordAuditEvent, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { AppError } from '../errors/app-error.ts';
import type { AuditSinkView } from './audit-sink-view.ts';
import { findAuditSink } from './find-audit-sink.ts';

/**
 * Delivers again from leaf index `fromLeaf` (a backfill, or a receiver that
 * lost data): moves the cursor there, resumes a paused sink, and takes the
 * sink from any process delivering it now (its lease is cleared, so its
 * acknowledgement no longer moves the cursor). The replayed batches get new
 * webhook ids (the generation goes up), so a receiver's idempotency store
 * does not drop them; it de-duplicates by leaf index instead.
 */
export async function replayAuditSink(tx: TenantTx, id: string, fromLeaf: number): Promise<AuditSinkView> {
  const sink = await findAuditSink(tx, id);
  if (!Number.isSafeInteger(fromLeaf) || fromLeaf < 0 || fromLeaf > sink.treeSize) {
    throw new AppError('VALIDATION_FAILED', `Replay from a leaf index between 0 and ${sink.treeSize}.`, {
      details: { reason: 'leaf_out_of_range', treeSize: sink.treeSize },
    });
  }
  await tx.execute(sql`update audit_sink_cursors
      set delivered_through = ${fromLeaf - 1}, pending_through = null, generation = generation + 1,
          paused_at = null, paused_reason = null, failures = 0, failing_since = null, next_attempt_at = now(),
          lease_token = null, leased_until = null
    where ${sameTenant('audit_sink_cursors')} and sink_id = ${id}`);
  await recordAuditEvent({
    action: 'audit_sink.replayed',
    resourceType: 'audit_sink',
    resourceId: id,
    metadata: { fromLeaf, previouslyDeliveredThrough: sink.deliveredThrough },
  });
  return await findAuditSink(tx, id);
}
