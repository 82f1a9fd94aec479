/**
 * A TCP proxy in a child process of its own that holds every chunk for
 * BENCH_PROXY_DELAY_MS in each direction before passing it on, so both
 * servers reach PostgreSQL as over a network (the machine's loopback has no
 * `netem`). Forwards to BENCH_PROXY_TARGET (host:port). Node's timers have
 * millisecond resolution: the round trip added is twice the delay, or a
 * little more (the benchmark measures and prints it).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { failChild, serveChildProtocol } from './child-protocol.ts';

/** One direction of a connection: chunks leave in order, each `delayMs` after it arrived. */
function delayedPipe(from: net.Socket, to: net.Socket, delayMs: number): void {
  const queue: Array<{ due: number; chunk: Buffer }> = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const next = queue.shift();
      if (next && !to.write(next.chunk) && !from.isPaused()) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    }
    const head = queue[0];
    if (head) {
      scheduled = true;
      setTimeout(flush, Math.max(0, head.due - now));
    }
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, delayMs);
    }
  });
  from.on('end', () => {
    const finish = () => (queue.length === 0 ? to.end() : setTimeout(finish, delayMs));
    finish();
  });
}

try {
  const [host = '127.0.0.1', port = '5432'] = (process.env.BENCH_PROXY_TARGET ?? '').split(':');
  const delayMs = Number(process.env.BENCH_PROXY_DELAY_MS ?? 0);
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host, port: Number(port) });
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // Either side gone: the other goes too, as a dropped network connection would.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    delayedPipe(client, upstream, delayMs);
    delayedPipe(upstream, client, delayMs);
  });
  proxy.listen(0, '127.0.0.1', () => {
    const address = proxy.address() as net.AddressInfo;
    serveChildProtocol(`tcp://127.0.0.1:${address.port}`, {
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((done) => proxy.close(() => done()));
      },
    });
  });
} catch (error) {
  failChild(error);
}
