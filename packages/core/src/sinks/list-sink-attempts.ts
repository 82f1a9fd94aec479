import { sameTenant, sql, type TenantTx } from '@skillhub/db';
import { isoTimestamp } from '../pagination/cursor.ts';
import { findAuditSink } from './find-audit-sink.ts';

/** One delivery attempt as the history shows it. */
export interface SinkAttemptView {
  id: string;
  attemptedAt: string;
  webhookId: string;
  firstLeaf: number | null;
  lastLeaf: number | null;
  eventCount: number;
  statusCode: number | null;
  latencyMs: number;
  delivered: boolean;
  error: string | null;
}

/** The latest `limit` attempts of sink `id`, newest first. */
export async function listSinkAttempts(tx: TenantTx, id: string, limit: number): Promise<SinkAttemptView[]> {
  await findAuditSink(tx, id);
  const { rows } = await tx.execute<Record<string, unknown>>(sql`
    select id, ${isoTimestamp(sql.raw('attempted_at'))} as "attemptedAt", webhook_id as "webhookId",
           first_leaf as "firstLeaf", last_leaf as "lastLeaf", event_count as "eventCount", status_code as "statusCode",
           latency_ms as "latencyMs", delivered, error
      from audit_sink_attempts where ${sameTenant('audit_sink_attempts')} and sink_id = ${id}
     order by attempted_at desc, id limit ${limit}`);
  return rows.map((r) => ({
    ...(r as unknown as SinkAttemptView),
    firstLeaf: r.firstLeaf === null ? null : Number(r.firstLeaf),
    lastLeaf: r.lastLeaf === null ? null : Number(r.lastLeaf),
  }));
}
