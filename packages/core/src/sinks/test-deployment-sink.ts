import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { OperatorDoor } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { AppError } from '../errors/app-error.ts';
import { deploymentSecretOwner } from './deliver-deployment-chain.ts';
import { postWebhook, type WebhookResponse } from './post-webhook.ts';
import { sendSyslogFrames } from './send-syslog.ts';
import { webhookHeaders } from './sign-webhook.ts';
import { testPayload } from './sink-payload.ts';
import { openSigningSecret } from './sink-secret.ts';
import { skillhubFrame } from './syslog-batch.ts';
import { parseSyslogTarget } from './syslog-target.ts';

export interface DeploymentSinkTestOptions {
  timeoutMs: number;
  /** PEM certificates a syslog+tls receiver may present besides the system's. */
  syslogCa?: string;
}

/**
 * Sends one test message to the deployment sink's receiver now (over
 * syslog, MSGID `test` with no chain and no leaf; over a webhook, the
 * signed `audit.test` payload) and appends the outcome to the sink's
 * history. Throws NOT_FOUND when none is set. No
 * transaction is open while the receiver is waited for (bounded by
 * `timeoutMs`).
 */
export async function testDeploymentSink(
  door: OperatorDoor,
  ring: SecretKeyRing,
  options: DeploymentSinkTestOptions,
): Promise<WebhookResponse & { url: string; messageId: string }> {
  const target = await door.deploymentSinkTarget();
  if (!target) {
    throw new AppError('NOT_FOUND', 'no deployment sink is set: set one with skillhub sink deployment set --url …');
  }
  const messageId = `test_${randomUUID()}`;
  const at = new Date();
  const syslog = parseSyslogTarget(target.url);
  let response: WebhookResponse;
  if (syslog) {
    const frame = skillhubFrame(os.hostname(), at, 'test', [['test', messageId]], 'Skillhub deployment sink test');
    response = await sendSyslogFrames(syslog, [frame], {
      timeoutMs: options.timeoutMs,
      ...(options.syslogCa ? { ca: options.syslogCa } : {}),
    });
  } else {
    const body = testPayload({ tenantId: deploymentSecretOwner.tenantId, id: deploymentSecretOwner.id }, at);
    const secret = openSigningSecret(ring, deploymentSecretOwner, target.signingSecret ?? '');
    // The operator chose this receiver: a private address is theirs to use.
    response = await postWebhook(target.url, webhookHeaders(secret, messageId, at, body), body, {
      allowPrivateNetwork: true,
      timeoutMs: options.timeoutMs,
    });
  }
  await door.recordDeploymentSinkTest({ messageId, ...response });
  return { ...response, url: target.url, messageId };
}
