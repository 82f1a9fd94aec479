import { randomUUID } from 'node:crypto';
import { type Database, recordAuditEvent, sameTenant, sql } from '@skillhub/db';
import type { RequestAuth } from '../auth/request-auth.ts';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { findAuditSink } from './find-audit-sink.ts';
import { postWebhook, type WebhookPolicy, type WebhookResponse } from './post-webhook.ts';
import { recordSinkAttempt } from './record-sink-attempt.ts';
import { webhookHeaders } from './sign-webhook.ts';
import { testPayload } from './sink-payload.ts';
import { openSigningSecret } from './sink-secret.ts';

/**
 * Sends a signed test message (no events) to sink `id` now and reports the
 * answer; the attempt goes into the sink's history and the ledger. No
 * transaction is held while the receiver answers (bounded by the webhook
 * timeout).
 */
export async function testAuditSink(
  db: Database,
  auth: Pick<RequestAuth, 'tenantId' | 'actor'>,
  ring: SecretKeyRing,
  policy: WebhookPolicy,
  id: string,
): Promise<WebhookResponse & { webhookId: string }> {
  const sink = await db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    const found = await findAuditSink(tx, id);
    const { rows } = await tx.execute<{ signing_secret: string }>(
      sql`select signing_secret from audit_sinks where ${sameTenant('audit_sinks')} and id = ${id}`,
    );
    return { ...found, sealedSecret: rows[0]?.signing_secret ?? '' };
  });
  const owner = { tenantId: auth.tenantId, id };
  const webhookId = `test_${randomUUID()}`;
  const at = new Date();
  const body = testPayload(owner, at);
  const secret = openSigningSecret(ring, owner, sink.sealedSecret);
  const response = await postWebhook(sink.url, webhookHeaders(secret, webhookId, at, body), body, policy);
  await db.withTenant(auth.tenantId, auth.actor, async (tx) => {
    await recordSinkAttempt(tx, { sinkId: id, webhookId, firstLeaf: null, lastLeaf: null, eventCount: 0, response });
    await recordAuditEvent({
      action: 'audit_sink.tested',
      resourceType: 'audit_sink',
      resourceId: id,
      metadata: { statusCode: response.statusCode, delivered: response.error === null },
    });
  });
  return { ...response, webhookId };
}
