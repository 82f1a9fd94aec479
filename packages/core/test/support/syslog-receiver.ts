import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';

/** One RFC 5424 message as a receiver reads it, by the grammar of section 6. */
export interface ParsedSyslogMessage {
  priority: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: Array<{ id: string; params: Record<string, string> }>;
  /** Without the BOM; `hasBom` tells whether it was there. */
  message: string;
  hasBom: boolean;
}

/**
 * Parses SYSLOG-MSG strictly (throws on anything the RFC 5424 grammar
 * refuses), written from the RFC rather than from the formatter, so the
 * two check each other.
 */
export function parseSyslogMessage(bytes: Buffer): ParsedSyslogMessage {
  const text = bytes.toString('utf8');
  const header = /^<(\d{1,3})>([1-9]\d{0,2}) (\S+) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) /.exec(text);
  if (!header) throw new Error(`not an RFC 5424 header: ${text.slice(0, 80)}`);
  const [whole, priority, version, timestamp, hostname, appName, procId, msgId] = header as unknown as string[];
  for (const field of [hostname, appName, procId, msgId]) {
    if (!/^[\x21-\x7e]+$/.test(field as string)) throw new Error(`header field outside PRINTUSASCII: ${field}`);
  }
  if (
    timestamp !== '-' &&
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(timestamp as string)
  ) {
    throw new Error(`not an RFC 5424 TIMESTAMP: ${timestamp}`);
  }
  let rest = text.slice((whole as string).length);
  const structuredData: ParsedSyslogMessage['structuredData'] = [];
  if (rest.startsWith('-')) {
    rest = rest.slice(1);
  } else {
    while (rest.startsWith('[')) {
      const id = /^\[([^= \]"]{1,32})/.exec(rest);
      if (!id) throw new Error(`bad SD-ID: ${rest.slice(0, 40)}`);
      rest = rest.slice(id[0].length);
      const params: Record<string, string> = {};
      while (rest.startsWith(' ')) {
        const name = /^ ([^= \]"]{1,32})="/.exec(rest);
        if (!name) throw new Error(`bad SD-PARAM: ${rest.slice(0, 40)}`);
        rest = rest.slice(name[0].length);
        let value = '';
        for (;;) {
          const character = rest[0];
          if (character === undefined) throw new Error('unterminated PARAM-VALUE');
          if (character === '\\' && (rest[1] === '"' || rest[1] === '\\' || rest[1] === ']')) {
            value += rest[1];
            rest = rest.slice(2);
          } else if (character === '"') {
            rest = rest.slice(1);
            break;
          } else if (character === ']') {
            throw new Error('unescaped "]" in PARAM-VALUE');
          } else {
            value += character;
            rest = rest.slice(1);
          }
        }
        params[name[1] as string] = value;
      }
      if (!rest.startsWith(']')) throw new Error(`SD-ELEMENT not closed: ${rest.slice(0, 40)}`);
      rest = rest.slice(1);
      structuredData.push({ id: id[1] as string, params });
    }
    if (structuredData.length === 0) throw new Error('STRUCTURED-DATA is neither "-" nor an SD-ELEMENT');
  }
  let message = '';
  if (rest !== '') {
    if (!rest.startsWith(' ')) throw new Error('no SP before MSG');
    message = rest.slice(1);
  }
  const hasBom = message.startsWith('\uFEFF');
  return {
    priority: Number(priority),
    version: Number(version),
    timestamp: timestamp as string,
    hostname: hostname as string,
    appName: appName as string,
    procId: procId as string,
    msgId: msgId as string,
    structuredData,
    message: hasBom ? message.slice(1) : message,
    hasBom,
  };
}

/** Splits a TCP stream into RFC 6587 section 3.4.1 frames (MSG-LEN SP SYSLOG-MSG), whatever the chunking. */
class OctetCountingReader {
  #buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      const space = this.#buffer.indexOf(0x20);
      if (space === -1) break;
      const length = this.#buffer.subarray(0, space).toString('ascii');
      if (!/^[1-9]\d*$/.test(length)) throw new Error(`bad MSG-LEN: ${JSON.stringify(length)}`);
      const end = space + 1 + Number(length);
      if (this.#buffer.length < end) break;
      frames.push(this.#buffer.subarray(space + 1, end));
      this.#buffer = this.#buffer.subarray(end);
    }
    return frames;
  }
  get leftover(): number {
    return this.#buffer.length;
  }
}

/**
 * A real syslog receiver on 127.0.0.1 (TCP, or TLS with the given key and
 * certificate): keeps every message it parsed, and closes its side when
 * the sender does, as rsyslog and syslog-ng do. `down()` stops accepting;
 * `hangUpEarly` resets each connection as soon as it opens.
 */
export class SyslogReceiver {
  readonly messages: ParsedSyslogMessage[] = [];
  readonly errors: string[] = [];
  hangUpEarly = false;
  /** Called with each message as it is parsed (a benchmark notes its arrival time). */
  onMessage: ((message: ParsedSyslogMessage) => void) | undefined;
  /** How long the receiver waits before closing its side after the sender's (a slow receiver: the batch is unacknowledged meanwhile). */
  holdMs = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(tlsOptions?: { key: string; cert: string }, port = 0): Promise<SyslogReceiver> {
    let receiver: SyslogReceiver | undefined;
    const onConnection = (socket: net.Socket) => {
      const self = receiver as SyslogReceiver;
      if (self.hangUpEarly) {
        socket.resetAndDestroy();
        return;
      }
      const reader = new OctetCountingReader();
      socket.on('data', (chunk: Buffer) => {
        try {
          for (const frame of reader.push(chunk)) {
            const message = parseSyslogMessage(frame);
            self.messages.push(message);
            self.onMessage?.(message);
          }
        } catch (error) {
          self.errors.push(String(error));
          socket.destroy();
        }
      });
      socket.on('end', () => {
        if (reader.leftover > 0) self.errors.push(`${reader.leftover} bytes of an incomplete frame`);
        setTimeout(() => socket.end(), self.holdMs);
      });
      socket.on('error', () => {});
    };
    // Half-open: the receiver, not node, decides when to close its side after the sender's FIN.
    const server = tlsOptions
      ? tls.createServer({ ...tlsOptions, allowHalfOpen: true }, onConnection)
      : net.createServer({ allowHalfOpen: true }, onConnection);
    receiver = new SyslogReceiver(server);
    // Every raw connection (a TLS server's too, before its handshake), so stop() can end the ones a
    // sender left half open rather than wait for them.
    const sockets = receiver.#sockets;
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
