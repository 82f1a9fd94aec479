import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { type AuditEventView, auditEventColumns } from '../audit/audit-event-query.ts';
import type { SealedEvent, SinkCheckpoint, SinkFormat } from './sink-payload.ts';

/** A leased sink's next batch, read in its tenant's transaction. */
export interface SinkBatch {
  sink: { tenantId: string; id: string; url: string; format: SinkFormat; signingSecret: string };
  generation: number;
  failures: number;
  failingSince: Date | null;
  events: SealedEvent[];
  checkpoint: SinkCheckpoint | null;
}

/**
 * The next batch of `leaseToken`'s sink, or null when the lease is no
 * longer ours (a replay or another process took it) or nothing is sealed
 * past the cursor. Only sealed events exist here: they are read from the
 * tenant's seals, in leaf order (leaf index = seal position - 1). A batch
 * once read is pinned (`pending_through`), so every retry sends the very
 * same events under the same `webhook-id`, whatever was sealed meanwhile,
 * and is read whole even when `batchSize` has shrunk since (another
 * process, or a batch size that adapts).
 */
export async function readSinkBatch(
  tx: TenantTx,
  sinkId: string,
  leaseToken: string,
  batchSize: number,
): Promise<SinkBatch | null> {
  const { rows } = await tx.execute<{
    tenant_id: string;
    url: string;
    format: SinkFormat;
    signing_secret: string;
    delivered_through: string;
    pending_through: string | null;
    generation: number;
    failures: number;
    failing_since: string | null;
  }>(sql`select s.tenant_id, s.url, s.format, s.signing_secret, c.delivered_through, c.pending_through, c.generation,
              c.failures, c.failing_since
         from audit_sink_cursors c join audit_sinks s on s.tenant_id = c.tenant_id and s.id = c.sink_id
        where ${sameTenant('c')} and ${sameTenant('s')} and c.sink_id = ${sinkId} and c.lease_token = ${leaseToken} and c.paused_at is null
        for update of c`);
  const state = rows[0];
  if (!state) return null;
  // Seal positions are 1-based: leaf i is position i + 1.
  const after = Number(state.delivered_through) + 1;
  const through = state.pending_through === null ? null : Number(state.pending_through) + 1;
  // Each event is found by its id. The tenant policy also names tenant_id, and while the statistics of a
  // fast-growing ledger lag (autovacuum analyzes a partition after the fact), the planner ANDs a bitmap of
  // the tenant's whole index with each id's: at 5,000 events/s a batch took 1.6 s and delivery fell far
  // behind. Without bitmaps each event is one probe of the primary key. Transaction-local.
  await tx.execute(sql`set local enable_bitmapscan = off`);
  const { rows: events } = await tx.execute<AuditEventView & { leafIndex: string } & Record<string, unknown>>(sql`
    select s.position - 1 as "leafIndex", ${auditEventColumns}
      from (select position, event_id from audit.seals
             where chain = ${state.tenant_id} and position > ${after}
               ${through === null ? sql`` : sql`and position <= ${through}`}
             order by position ${through === null ? sql`limit ${batchSize}` : sql``}) s
      -- A probe per event, not a hash of all the tenant's events across the ledger's partitions per batch.
      cross join lateral (select * from audit_logs l where ${sameTenant('l')} and l.id = s.event_id limit 1) e
     order by s.position`);
  if (events.length === 0) return null;
  const last = Number(events.at(-1)?.leafIndex);
  if (state.pending_through === null) {
    await tx.execute(
      sql`update audit_sink_cursors set pending_through = ${last} where ${sameTenant('audit_sink_cursors')} and sink_id = ${sinkId}`,
    );
  }
  const { rows: checkpoints } = await tx.execute<{ tree_size: string; note: string }>(
    sql`select tree_size, note from audit.checkpoints where chain = ${state.tenant_id} order by tree_size desc limit 1`,
  );
  const checkpoint = checkpoints[0];
  return {
    sink: {
      tenantId: state.tenant_id,
      id: sinkId,
      url: state.url,
      format: state.format,
      signingSecret: state.signing_secret,
    },
    generation: state.generation,
    failures: state.failures,
    failingSince: state.failing_since === null ? null : new Date(state.failing_since),
    events: events.map(({ leafIndex, ...event }) => ({ leafIndex: Number(leafIndex), event })),
    checkpoint: checkpoint ? { treeSize: Number(checkpoint.tree_size), note: checkpoint.note } : null,
  };
}
