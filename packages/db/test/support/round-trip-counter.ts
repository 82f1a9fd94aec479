import net from 'node:net';

/** Startup-phase request codes that precede the real startup message (SSL and GSSAPI encryption requests). */
const encryptionRequests = new Set([80877103, 80877104]);

export interface RoundTripCounter {
  /** A connection string to PostgreSQL through the counter. */
  url: string;
  /** Round trips clients started since the last reset: Sync and simple Query messages. */
  count(): number;
  /** The statement texts clients sent since the last reset: each Parse's and each simple Query's, in order. */
  texts(): string[];
  reset(): void;
  close(): Promise<void>;
}

/** The NUL-terminated string at `start` of a message. */
const cString = (message: Buffer, start: number) => message.toString('utf8', start, message.indexOf(0, start));

/**
 * A TCP proxy in front of PostgreSQL that reads what clients send and counts
 * the messages that ask the server to answer and wait: Sync (extended
 * protocol, 'S') and Query (simple protocol, 'Q'). Each is one round trip:
 * a client sends its messages up to one of these and waits for ReadyForQuery.
 * It also keeps the text of each statement sent (Parse and Query).
 */
export async function startRoundTripCounter(targetUrl: string): Promise<RoundTripCounter> {
  const target = new URL(targetUrl);
  let counted = 0;
  let texts: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          started = !encryptionRequests.has(pending.readInt32BE(4));
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < length + 1) break;
        const type = String.fromCharCode(pending[0] ?? 0);
        if (type === 'S' || type === 'Q') counted += 1;
        if (type === 'Q') texts.push(cString(pending, 5));
        // Parse: the statement's name, then its text.
        if (type === 'P') texts.push(cString(pending, pending.indexOf(0, 5) + 1));
        pending = pending.subarray(length + 1);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    count: () => counted,
    texts: () => [...texts],
    reset: () => {
      counted = 0;
      texts = [];
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
