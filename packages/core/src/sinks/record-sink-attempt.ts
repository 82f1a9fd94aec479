import { logSecurityEvent, recordAuditEvent, sameTenant, sql, type TenantTx } from '@skillhub/db';
import { retryDelayMs } from './backoff-schedule.ts';
import type { WebhookResponse } from './post-webhook.ts';

/** One attempt of a batch (or of a test message: no leaves). */
export interface SinkAttempt {
  sinkId: string;
  webhookId: string;
  firstLeaf: number | null;
  lastLeaf: number | null;
  eventCount: number;
  response: WebhookResponse;
}

/** Appends an attempt to the sink's delivery history (none once the sink is deleted). */
export async function recordSinkAttempt(tx: TenantTx, attempt: SinkAttempt): Promise<void> {
  const { response } = attempt;
  const delivered = response.error === null;
  // A sink deleted while its batch was on the way keeps no history: nothing to append to. Found and held
  // (a deletion waits for this transaction), then appended to by a plain insert: on a Citus cluster an
  // insert from a select over the sinks goes through COPY, which Citus refuses under row level security.
  const sink = await tx.execute(
    sql`select from audit_sinks where ${sameTenant('audit_sinks')} and id = ${attempt.sinkId} for key share`,
  );
  if (sink.rows.length === 0) return;
  await tx.execute(sql`insert into audit_sink_attempts
      (sink_id, webhook_id, first_leaf, last_leaf, event_count, status_code, latency_ms, delivered, error)
    values (${attempt.sinkId}, ${attempt.webhookId}, ${attempt.firstLeaf}::bigint, ${attempt.lastLeaf}::bigint,
            ${attempt.eventCount}::integer, ${response.statusCode}::integer, ${response.latencyMs}::integer, ${delivered},
            ${response.error})`);
}

export interface FailurePolicy {
  /** A sink failing for longer than this is paused (and a security event recorded). */
  pauseAfterMs: number;
  /** Multiplies the retry schedule; 1 in the server, smaller in tests. */
  retryScale: number;
}

/**
 * Moves the cursor after an attempt, only while `leaseToken` still holds the
 * sink (a replay or a lease that expired and moved on leaves it alone, and
 * the batch is delivered again: at least once). Success advances the cursor
 * to the batch's last leaf; failure schedules the next retry, or pauses the
 * sink once it has been failing for longer than `pauseAfterMs`. Returns
 * whether the sink was paused now.
 */
export async function settleSinkAttempt(
  tx: TenantTx,
  attempt: SinkAttempt,
  leaseToken: string,
  state: { failures: number; failingSince: Date | null },
  policy: FailurePolicy,
): Promise<{ paused: boolean }> {
  if (attempt.response.error === null) {
    await tx.execute(sql`update audit_sink_cursors
        set delivered_through = greatest(delivered_through, ${attempt.lastLeaf}), pending_through = null,
            failures = 0, failing_since = null, next_attempt_at = now(), lease_token = null, leased_until = null
      where ${sameTenant('audit_sink_cursors')} and sink_id = ${attempt.sinkId} and lease_token = ${leaseToken}`);
    return { paused: false };
  }
  const failures = state.failures + 1;
  const failingSince = state.failingSince ?? new Date();
  const pause = Date.now() - failingSince.getTime() >= policy.pauseAfterMs;
  const { rowCount } = await tx.execute(sql`update audit_sink_cursors
      set failures = ${failures}, failing_since = coalesce(failing_since, now()),
          next_attempt_at = now() + make_interval(secs => ${retryDelayMs(failures, policy.retryScale) / 1000}),
          paused_at = ${pause ? sql`now()` : sql`null`},
          paused_reason = ${pause ? `failing since ${failingSince.toISOString()}: ${attempt.response.error}` : null},
          lease_token = null, leased_until = null
    where ${sameTenant('audit_sink_cursors')} and sink_id = ${attempt.sinkId} and lease_token = ${leaseToken}`);
  if (!pause || rowCount === 0) return { paused: false };
  const details = {
    reason: 'audit_sink_paused',
    sink_id: attempt.sinkId,
    failing_since: failingSince.toISOString(),
    failures,
    last_error: attempt.response.error,
  };
  await logSecurityEvent({ type: 'suspicious_activity', severity: 'high', details });
  await recordAuditEvent({
    action: 'audit_sink.paused',
    resourceType: 'audit_sink',
    resourceId: attempt.sinkId,
    metadata: details,
  });
  return { paused: true };
}
