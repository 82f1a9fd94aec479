import type { AuditEventView } from '../audit/audit-event-query.ts';
import { toOcsfEvent } from '../audit/ocsf-event.ts';

export const sinkFormats = ['ocsf', 'jsonl'] as const;
export type SinkFormat = (typeof sinkFormats)[number];

/** One sealed event and its place in the tenant's tree. */
export interface SealedEvent {
  leafIndex: number;
  event: AuditEventView;
}

/** The latest signed checkpoint of the tenant's tree (C2SP signed note), delivered with every batch. */
export interface SinkCheckpoint {
  treeSize: number;
  note: string;
}

/**
 * A batch as the receiver gets it (the Standard Webhooks payload shape:
 * type, timestamp, data). Every event carries its leaf index, so the
 * receiver sees a gap (an index missing) or a duplicate (an index twice,
 * after a retry) without trusting us; the checkpoint lets it check the
 * events against a signed tree head it keeps outside our database.
 */
export function batchPayload(
  sink: { tenantId: string; id: string; format: SinkFormat },
  events: SealedEvent[],
  checkpoint: SinkCheckpoint | null,
  at: Date,
): string {
  const encode = sink.format === 'ocsf' ? toOcsfEvent : (event: AuditEventView) => event;
  return JSON.stringify({
    type: 'audit.events',
    timestamp: at.toISOString(),
    data: {
      tenant: sink.tenantId,
      sink: sink.id,
      format: sink.format,
      first_leaf: events[0]?.leafIndex ?? null,
      last_leaf: events.at(-1)?.leafIndex ?? null,
      events: events.map((e) => ({ leaf_index: e.leafIndex, event: encode(e.event) })),
      checkpoint: checkpoint && { tree_size: checkpoint.treeSize, note: checkpoint.note },
    },
  });
}

/** What "test" sends: a signed payload with no events, to check the URL and the secret. */
export const testPayload = (sink: { tenantId: string; id: string }, at: Date): string =>
  JSON.stringify({ type: 'audit.test', timestamp: at.toISOString(), data: { tenant: sink.tenantId, sink: sink.id } });
