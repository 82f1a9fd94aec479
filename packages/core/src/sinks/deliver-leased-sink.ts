import { randomUUID } from 'node:crypto';
import { type AuditSinkLease, type Database, sameTenant, sql, systemActor, type TenantTx } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { AdaptiveBatchSize } from './adaptive-batch-size.ts';
import { postWebhook, type WebhookPolicy } from './post-webhook.ts';
import { readSinkBatch, type SinkBatch } from './read-sink-batch.ts';
import { type FailurePolicy, recordSinkAttempt, type SinkAttempt, settleSinkAttempt } from './record-sink-attempt.ts';
import { webhookHeaders } from './sign-webhook.ts';
import { batchPayload } from './sink-payload.ts';
import { openSigningSecret } from './sink-secret.ts';

export interface DeliveryOptions extends FailurePolicy {
  secrets: SecretKeyRing;
  webhooks: WebhookPolicy;
  /** Events a batch asks for while the sink keeps up. */
  batchSize: number;
  /** Events a batch may grow to while the sink falls behind (see AdaptiveBatchSize); `batchSize` when absent. */
  maxBatchSize?: number;
  /** How long a lease lasts: a process that dies holding one delays its sink by at most this. */
  leaseSeconds: number;
  /** Stop taking new batches of this sink after this long (well inside the lease). */
  budgetMs: number;
  /** PEM certificates a syslog+tls deployment sink's receiver may present besides the system's (a private CA). */
  syslogCa?: string;
}

export const deliveryActor = systemActor('audit-sink-delivery');

/**
 * Delivers a leased sink batch by batch until it is caught up, a batch
 * fails, the lease is lost, or `budgetMs` is spent. No transaction is open
 * while the receiver is being waited for: the first batch is read in a
 * short tenant transaction, posted, and settled in another that also reads
 * the next. Returns how many events were acknowledged.
 */
export async function deliverLeasedSink(
  db: Database,
  lease: AuditSinkLease,
  options: DeliveryOptions,
  sizes = new AdaptiveBatchSize(options.batchSize, options.maxBatchSize ?? options.batchSize),
): Promise<number> {
  const started = Date.now();
  let acknowledged = 0;
  let token = lease.leaseToken;
  let asked = sizes.next(lease.sinkId);
  let batch = await db.auditSinks.withTenant(lease.tenantId, deliveryActor, (tx) =>
    readNextBatch(tx, lease.sinkId, token, asked),
  );
  while (batch) {
    const current = batch;
    const response = await postBatch(current, lease.sinkId, options);
    sizes.settle(lease.sinkId, asked, current.events.length, response.attempt.response.error === null);
    asked = sizes.next(lease.sinkId);
    // One transaction settles this batch and, after a success within budget, reads the next under a renewed lease.
    const next = await db.auditSinks.withTenant(lease.tenantId, deliveryActor, async (tx) => {
      await recordSinkAttempt(tx, response.attempt);
      await settleSinkAttempt(tx, response.attempt, token, current, options);
      if (response.attempt.response.error !== null || Date.now() - started >= options.budgetMs) return null;
      const renewed = await renewLease(tx, lease.sinkId, options.leaseSeconds);
      if (renewed === null) return null;
      token = renewed;
      return await readNextBatch(tx, lease.sinkId, renewed, asked);
    });
    if (response.attempt.response.error !== null) return acknowledged;
    acknowledged += current.events.length;
    batch = next;
  }
  return acknowledged;
}

/** The next batch under `leaseToken`; when caught up, the lease is given back at once, so the next sealed event is not held behind it. */
async function readNextBatch(tx: TenantTx, sinkId: string, leaseToken: string, batchSize: number) {
  const next = await readSinkBatch(tx, sinkId, leaseToken, batchSize);
  if (!next) await releaseLease(tx, sinkId, leaseToken);
  return next;
}

/** Signs and posts one batch (no transaction open meanwhile); the attempt as the history records it. */
async function postBatch(
  batch: SinkBatch,
  sinkId: string,
  options: DeliveryOptions,
): Promise<{ attempt: SinkAttempt }> {
  const first = batch.events[0]?.leafIndex ?? 0;
  const last = batch.events.at(-1)?.leafIndex ?? first;
  const webhookId = `${sinkId}.${batch.generation}.${first}-${last}`;
  const at = new Date();
  const body = batchPayload(batch.sink, batch.events, batch.checkpoint, at);
  const secret = openSigningSecret(options.secrets, batch.sink, batch.sink.signingSecret);
  const headers = webhookHeaders(secret, webhookId, at, body);
  const response = await postWebhook(batch.sink.url, headers, body, options.webhooks);
  return {
    attempt: { sinkId, webhookId, firstLeaf: first, lastLeaf: last, eventCount: batch.events.length, response },
  };
}

async function releaseLease(tx: TenantTx, sinkId: string, leaseToken: string): Promise<void> {
  await tx.execute(sql`update audit_sink_cursors set lease_token = null, leased_until = null
    where ${sameTenant('audit_sink_cursors')} and sink_id = ${sinkId} and lease_token = ${leaseToken}`);
}

/** Takes the sink again right after a success, for its next batch. */
async function renewLease(tx: TenantTx, sinkId: string, leaseSeconds: number): Promise<string | null> {
  // Drawn here rather than by gen_random_uuid(): Citus refuses a volatile function in an update of a
  // distributed table.
  const { rows } = await tx.execute<{ lease_token: string }>(sql`update audit_sink_cursors
      set lease_token = ${randomUUID()}::uuid, leased_until = now() + make_interval(secs => ${leaseSeconds})
    where ${sameTenant('audit_sink_cursors')} and sink_id = ${sinkId} and lease_token is null and paused_at is null
    returning lease_token`);
  return rows[0]?.lease_token ?? null;
}
