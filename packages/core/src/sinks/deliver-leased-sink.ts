import { type AuditSinkLease, type Database, sql, systemActor, type TenantTx } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { postWebhook, type WebhookPolicy } from './post-webhook.ts';
import { readSinkBatch } from './read-sink-batch.ts';
import { type FailurePolicy, recordSinkAttempt, settleSinkAttempt } from './record-sink-attempt.ts';
import { webhookHeaders } from './sign-webhook.ts';
import { batchPayload } from './sink-payload.ts';
import { openSigningSecret } from './sink-secret.ts';

export interface DeliveryOptions extends FailurePolicy {
  secrets: SecretKeyRing;
  webhooks: WebhookPolicy;
  batchSize: number;
  /** How long a lease lasts: a process that dies holding one delays its sink by at most this. */
  leaseSeconds: number;
  /** Stop taking new batches of this sink after this long (well inside the lease). */
  budgetMs: number;
}

export const deliveryActor = systemActor('audit-sink-delivery');

/**
 * Delivers a leased sink batch by batch until it is caught up, a batch
 * fails, the lease is lost, or `budgetMs` is spent. No transaction is open
 * while the receiver is being waited for: each batch is read in one short
 * tenant transaction, posted, and settled in another. Returns how many
 * events were acknowledged.
 */
export async function deliverLeasedSink(
  db: Database,
  lease: AuditSinkLease,
  options: DeliveryOptions,
): Promise<number> {
  const started = Date.now();
  let acknowledged = 0;
  let token = lease.leaseToken;
  for (;;) {
    const leased = token;
    const batch = await db.auditSinks.withTenant(lease.tenantId, deliveryActor, async (tx) => {
      const next = await readSinkBatch(tx, lease.sinkId, leased, options.batchSize);
      // Caught up: give the sink back now, so the next event sealed is not held behind this lease.
      if (!next) await releaseLease(tx, lease.sinkId, leased);
      return next;
    });
    if (!batch) return acknowledged;
    const first = batch.events[0]?.leafIndex ?? 0;
    const last = batch.events.at(-1)?.leafIndex ?? first;
    const webhookId = `${lease.sinkId}.${batch.generation}.${first}-${last}`;
    const at = new Date();
    const body = batchPayload(batch.sink, batch.events, batch.checkpoint, at);
    const secret = openSigningSecret(options.secrets, batch.sink, batch.sink.signingSecret);
    const response = await postWebhook(
      batch.sink.url,
      webhookHeaders(secret, webhookId, at, body),
      body,
      options.webhooks,
    );
    const attempt = {
      sinkId: lease.sinkId,
      webhookId,
      firstLeaf: first,
      lastLeaf: last,
      eventCount: batch.events.length,
      response,
    };
    const renewed = await db.auditSinks.withTenant(lease.tenantId, deliveryActor, async (tx) => {
      await recordSinkAttempt(tx, attempt);
      await settleSinkAttempt(tx, attempt, token, batch, options);
      return response.error === null && Date.now() - started < options.budgetMs
        ? await renewLease(tx, lease.sinkId, options.leaseSeconds)
        : null;
    });
    if (response.error !== null) return acknowledged;
    acknowledged += batch.events.length;
    if (renewed === null) return acknowledged;
    token = renewed;
  }
}

async function releaseLease(tx: TenantTx, sinkId: string, leaseToken: string): Promise<void> {
  await tx.execute(sql`update audit_sink_cursors set lease_token = null, leased_until = null
    where sink_id = ${sinkId} and lease_token = ${leaseToken}`);
}

/** Takes the sink again right after a success, for its next batch. */
async function renewLease(tx: TenantTx, sinkId: string, leaseSeconds: number): Promise<string | null> {
  const { rows } = await tx.execute<{ lease_token: string }>(sql`update audit_sink_cursors
      set lease_token = gen_random_uuid(), leased_until = now() + make_interval(secs => ${leaseSeconds})
    where sink_id = ${sinkId} and lease_token is null and paused_at is null
    returning lease_token`);
  return rows[0]?.lease_token ?? null;
}
