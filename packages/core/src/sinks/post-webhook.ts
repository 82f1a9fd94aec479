import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/** Where a tenant's webhook may go, and how long one delivery may take. */
export interface WebhookPolicy {
  /**
   * Let webhooks reach loopback, private, link-local and reserved addresses
   * (the server's own network, its database, the cloud metadata address).
   * Off by default: a tenant's URL is hostile input. Only the operator turns
   * it on (SKILLHUB_SINKS_ALLOW_PRIVATE_NETWORK), for receivers on the LAN.
   */
  allowPrivateNetwork: boolean;
  /** The whole exchange (connect, send, answer) is cut off after this long. */
  timeoutMs: number;
}

export interface WebhookResponse {
  /** The receiver's status; null when no answer came (refused, blocked, timed out). */
  statusCode: number | null;
  latencyMs: number;
  /** Why it failed, in a line fit for the delivery history; null on a 2xx. */
  error: string | null;
}

const agents = new Map<boolean, { http: http.Agent; https: https.Agent }>();

/**
 * Agents that check the address a name resolved to at connect time, so a
 * name that resolves to a public address when the sink is created and to
 * 127.0.0.1 later (DNS rebinding) is still refused.
 */
function agentsFor(allowPrivateNetwork: boolean) {
  let pair = agents.get(allowPrivateNetwork);
  if (!pair) {
    const options = { keepAlive: true, maxSockets: 4, allowPrivateIPAddress: allowPrivateNetwork };
    pair = { http: new RequestFilteringHttpAgent(options), https: new RequestFilteringHttpsAgent(options) };
    agents.set(allowPrivateNetwork, pair);
  }
  return pair;
}

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);

/**
 * POSTs `body` to `url` and resolves with the answer's status (its body is
 * read and dropped), never rejecting: every failure is a response with an
 * error. Redirects are not followed (a 3xx is a failure), so a receiver
 * cannot bounce the server onto an address the policy refuses.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  policy: WebhookPolicy,
): Promise<WebhookResponse> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, latencyMs: latency(), error });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      finish(null, oneLine(error));
      return;
    }
    const secure = target.protocol === 'https:';
    const pair = agentsFor(policy.allowPrivateNetwork);
    const request = (secure ? https : http).request(target, {
      method: 'POST',
      agent: secure ? pair.https : pair.http,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${policy.timeoutMs} ms`));
    }, policy.timeoutMs);
    request.on('error', (error) => finish(null, oneLine(error)));
    request.on('response', (response) => {
      response.resume();
      response.on('error', (error) => finish(response.statusCode ?? null, oneLine(error)));
      response.on('end', () => {
        const status = response.statusCode ?? null;
        const ok = status !== null && status >= 200 && status < 300;
        finish(status, ok ? null : `the receiver answered ${status}`);
      });
    });
    request.end(body);
  });
}
