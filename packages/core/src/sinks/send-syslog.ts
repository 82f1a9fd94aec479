import net from 'node:net';
import tls from 'node:tls';
import type { WebhookResponse } from './post-webhook.ts';
import type { SyslogTarget } from './syslog-target.ts';

export interface SyslogSendOptions {
  /** The whole exchange (connect, handshake, send, close) is cut off after this long. */
  timeoutMs: number;
  /** PEM certificates trusted for a TLS receiver besides the system's (a private CA). */
  ca?: string;
}

/**
 * Sends octet-counted frames on one connection and reports the outcome in
 * the shape of a webhook answer (no status code: syslog has none).
 *
 * Syslog over TCP has no acknowledgement (RFC 6587), so the strongest
 * signal there is: we half-close after the last frame and count the batch
 * delivered only when the receiver closes its side in turn, having read
 * everything up to our FIN. A receiver that never closes times out, and the
 * batch is sent again, and one that resets the connection fails it. What
 * TCP cannot tell apart is a receiver that closes cleanly without reading:
 * the leaf indexes show it the gap, and a replay refills it.
 */
export function sendSyslogFrames(
  target: SyslogTarget,
  frames: readonly Buffer[],
  options: SyslogSendOptions,
): Promise<WebhookResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          servername: net.isIP(target.host) ? undefined : target.host,
          ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
        })
      : net.connect({ host: target.host, port: target.port });
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusCode: null, latencyMs: Math.round(performance.now() - started), error });
    };
    const timer = setTimeout(
      () => finish(`no close from the receiver within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      for (const frame of frames) socket.write(frame);
      socket.end();
    });
    // A syslog receiver says nothing back: bytes from it mean something else is listening (a TLS server
    // answering plain text with an alert, say), and the batch did not land.
    socket.once('data', () => finish('the receiver answered: not a syslog receiver (plain TCP to a TLS port?)'));
    let receiverClosed = false;
    // The receiver's FIN counts only once every frame of ours was flushed; one before that means it hung up early.
    socket.once('end', () => {
      receiverClosed = socket.writableFinished;
    });
    socket.once('error', (error: Error) => finish(error.message.slice(0, 500)));
    socket.once('close', (hadError: boolean) =>
      finish(receiverClosed && !hadError ? null : 'connection closed before the receiver read the batch'),
    );
  });
}
