import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 for sink tests: keeps every request it
 * got, answers `status` (change it to take the receiver "down"), after
 * `delayMs` (a slow receiver).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Requests that arrived, answered or not yet. */
  arrivals = 0;
  status = 204;
  delayMs = 0;
  readonly #server: http.Server;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = http.createServer((request, response) => {
      (receiver as WebhookReceiver).arrivals++;
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const self = receiver as WebhookReceiver;
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        );
        const answer = () => {
          if (self.status >= 200 && self.status < 300) {
            self.received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
          }
          response.writeHead(self.status).end();
        };
        if (self.delayMs > 0) setTimeout(answer, self.delayMs);
        else answer();
      });
    });
    receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
