import os from 'node:os';
import type { Database, DeploymentBatch, DeploymentChainLease } from '@skillhub/db';
import type { AuditEventView } from '../audit/audit-event-query.ts';
import { AdaptiveBatchSize } from './adaptive-batch-size.ts';
import { retryDelayMs } from './backoff-schedule.ts';
import type { DeliveryOptions } from './deliver-leased-sink.ts';
import { postWebhook, type WebhookResponse } from './post-webhook.ts';
import { sendSyslogFrames } from './send-syslog.ts';
import { webhookHeaders } from './sign-webhook.ts';
import { batchPayload, type SealedEvent } from './sink-payload.ts';
import { openSigningSecret } from './sink-secret.ts';
import { syslogBatchFrames } from './syslog-batch.ts';
import { parseSyslogTarget } from './syslog-target.ts';

/** The deployment sink's signing secret is bound to this owner: no tenant sink has an empty tenant id. */
export const deploymentSecretOwner = { tenantId: '', id: 'deployment' } as const;

/**
 * Delivers one batch of a leased chain to the deployment sink and settles
 * it with its attempt in the sink's history (the cursor moves on success;
 * a failure schedules the retry or pauses the sink). One batch per lease:
 * the worker leases again at once while there is work. Returns how many
 * events were acknowledged.
 */
export async function deliverDeploymentChain(
  db: Database,
  lease: DeploymentChainLease,
  options: DeliveryOptions,
  sizes = new AdaptiveBatchSize(options.batchSize, options.maxBatchSize ?? options.batchSize),
): Promise<number> {
  // Keyed apart from tenant sinks' ids (uuids): the system chain is ''.
  const key = `deployment:${lease.chain}`;
  const asked = sizes.next(key);
  const batch = await db.deploymentSink.readBatch(lease.chain, lease.leaseToken, asked);
  if (!batch) return 0;
  const events = batch.events.map((e) => ({ leafIndex: e.leafIndex, event: e.event as unknown as AuditEventView }));
  const firstLeaf = events[0]?.leafIndex ?? 0;
  const lastLeaf = events.at(-1)?.leafIndex ?? -1;
  // The chain is part of the id: each chain's leaf indexes start at 0.
  const batchName = `${lease.chain || 'system'}.${batch.generation}.${firstLeaf}-${lastLeaf}`;
  const { messageId, response } = await sendBatch(lease, batch, events, batchName, options);
  sizes.settle(key, asked, events.length, response.error === null);
  await db.deploymentSink.settle(
    lease,
    { messageId, firstLeaf, lastLeaf, eventCount: events.length, ...response },
    retryDelayMs(batch.failures + 1, options.retryScale),
    options.pauseAfterMs,
  );
  return response.error === null ? events.length : 0;
}

async function sendBatch(
  lease: DeploymentChainLease,
  batch: DeploymentBatch,
  events: SealedEvent[],
  batchName: string,
  options: DeliveryOptions,
): Promise<{ messageId: string; response: WebhookResponse }> {
  const at = new Date();
  const syslog = parseSyslogTarget(lease.url);
  if (syslog) {
    const frames = syslogBatchFrames(
      { chain: lease.chain, format: lease.format, hostname: os.hostname() },
      events,
      batch.checkpoint,
      at,
    );
    const response = await sendSyslogFrames(syslog, frames, {
      timeoutMs: options.webhooks.timeoutMs,
      ca: options.syslogCa,
    });
    return { messageId: `syslog.${batchName}`, response };
  }
  const webhookId = `deployment.${batchName}`;
  const body = batchPayload(
    { tenantId: lease.chain, id: deploymentSecretOwner.id, format: lease.format },
    events,
    batch.checkpoint,
    at,
  );
  const secret = openSigningSecret(options.secrets, deploymentSecretOwner, lease.signingSecret ?? '');
  // The operator chose this receiver: a private address is theirs to use.
  const response = await postWebhook(lease.url, webhookHeaders(secret, webhookId, at, body), body, {
    ...options.webhooks,
    allowPrivateNetwork: true,
  });
  return { messageId: webhookId, response };
}
