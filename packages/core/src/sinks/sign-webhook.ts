import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers for one message: `webhook-id` (the same on
 * every retry of the message, so the receiver can drop a repeat),
 * `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<HMAC-SHA256>`
 * over id, timestamp and body, by the `standardwebhooks` library).
 */
export function webhookHeaders(secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}
