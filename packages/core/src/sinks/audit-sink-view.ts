import { type SQL, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { isoTimestamp } from '../pagination/cursor.ts';
import type { SinkFormat } from './sink-payload.ts';

/** A sink as its admins see it: its configuration (never the secret) and where delivery stands. */
export interface AuditSinkView {
  id: string;
  name: string;
  kind: 'webhook';
  url: string;
  format: SinkFormat;
  createdAt: string;
  updatedAt: string;
  /** Leaf index of the last event the receiver acknowledged; -1: none yet. */
  deliveredThrough: number;
  /** Leaves of the tenant's tree (sealed events); `treeSize - 1 - deliveredThrough` are still to deliver. */
  treeSize: number;
  lagEvents: number;
  /** Seconds since the oldest undelivered event was sealed; 0 when caught up. */
  lagSeconds: number;
  failures: number;
  failingSince: string | null;
  nextAttemptAt: string;
  pausedAt: string | null;
  pausedReason: string | null;
}

const at = (column: string) => isoTimestamp(sql.raw(column));

/**
 * The sinks matching `where`, with their delivery state and lag, inside the
 * caller's withTenant (the row policies keep it to the tenant).
 */
export async function selectAuditSinks(tx: TenantTx, where: SQL = sql`true`): Promise<AuditSinkView[]> {
  const { rows } = await tx.execute<Record<string, unknown>>(sql`
    select s.id, s.name, s.kind, s.url, s.format, ${at('s.created_at')} as "createdAt", ${at('s.updated_at')} as "updatedAt",
           c.delivered_through as "deliveredThrough", t.size as "treeSize", c.failures,
           ${at('c.failing_since')} as "failingSince", ${at('c.next_attempt_at')} as "nextAttemptAt",
           ${at('c.paused_at')} as "pausedAt", c.paused_reason as "pausedReason",
           coalesce((select extract(epoch from now() - x.sealed_at) from audit.seals x
                      where x.chain = s.tenant_id and x.position = c.delivered_through + 2), 0) as "lagSeconds"
      from audit_sinks s
      join audit_sink_cursors c on c.tenant_id = s.tenant_id and c.sink_id = s.id
      cross join lateral (select coalesce(max(position), 0) as size from audit.seals where chain = s.tenant_id) t
     where ${sameTenant('s')} and ${sameTenant('c')} and ${where}
     order by s.created_at, s.id`);
  return rows.map((r) => {
    const deliveredThrough = Number(r.deliveredThrough);
    const treeSize = Number(r.treeSize);
    return {
      ...(r as unknown as AuditSinkView),
      deliveredThrough,
      treeSize,
      lagEvents: Math.max(treeSize - 1 - deliveredThrough, 0),
      lagSeconds: Math.round(Number(r.lagSeconds) * 1000) / 1000,
    };
  });
}
