import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventView } from '../src/audit/audit-event-query.ts';
import { sendSyslogFrames } from '../src/sinks/send-syslog.ts';
import { skillhubSdId, syslogBatchFrames } from '../src/sinks/syslog-batch.ts';
import { escapeParamValue, formatSyslogMessage, octetCountedFrame } from '../src/sinks/syslog-message.ts';
import { parseSyslogTarget } from '../src/sinks/syslog-target.ts';
import { parseSyslogMessage, SyslogReceiver } from './support/syslog-receiver.ts';

const at = new Date('2026-11-30T08:00:00.123Z');

function sealed(leafIndex: number, metadata: Record<string, unknown> = {}) {
  const event: AuditEventView = {
    id: `00000000-0000-4000-8000-${String(leafIndex).padStart(12, '0')}`,
    tenantId: 'acme',
    actorType: 'user',
    actorId: null,
    action: 'skill.created',
    resourceType: 'skill',
    resourceId: null,
    ipAddress: '203.0.113.7',
    requestId: null,
    metadata,
    operation: null,
    tableName: null,
    oldRecord: null,
    newRecord: null,
    changedFields: null,
    createdAt: '2026-11-30T07:59:59.000001+00:00',
  };
  return { leafIndex, event };
}

const checkpoint = { treeSize: 3, note: 'skillhub.example/acme\n3\nAAAA\n\n— skillhub sig\n' };

describe('RFC 5424 formatting', () => {
  it('escapes exactly the three characters PARAM-VALUE must escape, and a strict parser reads the value back', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
    const hostile = 'tenant "x"] [evil@1 a="b"] \\ \u0000 ünï';
    const parsed = parseSyslogMessage(
      formatSyslogMessage({
        facility: 13,
        severity: 5,
        timestamp: at,
        hostname: 'host',
        appName: 'skillhub',
        procId: '1',
        msgId: 'audit',
        structuredData: [{ id: skillhubSdId, params: [['chain', hostile]] }],
        message: '',
      }),
    );
    expect(parsed.structuredData).toEqual([{ id: skillhubSdId, params: { chain: hostile } }]);
    expect(parsed.message).toBe('');
  });

  it('keeps header fields to PRINTUSASCII within their lengths (a space or NUL would shift every field after it)', () => {
    const parsed = parseSyslogMessage(
      formatSyslogMessage({
        facility: 13,
        severity: 5,
        timestamp: at,
        hostname: `db 1\u0000.example${'x'.repeat(300)}`,
        appName: 'sk ill hub',
        procId: '',
        msgId: 'm'.repeat(40),
        structuredData: [],
        message: 'x',
      }),
    );
    expect(parsed.hostname).toBe(`db1.example${'x'.repeat(255 - 11)}`);
    expect(parsed.appName).toBe('skillhub');
    expect(parsed.procId).toBe('-');
    expect(parsed.msgId).toBe('m'.repeat(32));
    expect(parsed.structuredData).toEqual([]);
  });

  it('refuses an SD-NAME the grammar does not allow and a priority out of range', () => {
    const base = {
      facility: 13,
      severity: 5,
      timestamp: at,
      hostname: 'h',
      appName: 'a',
      procId: '1',
      msgId: 'm',
      message: '',
    };
    expect(() => formatSyslogMessage({ ...base, structuredData: [{ id: 'bad id', params: [] }] })).toThrow(RangeError);
    expect(() => formatSyslogMessage({ ...base, structuredData: [{ id: 'ok@1', params: [['a=b', 'v']] }] })).toThrow(
      RangeError,
    );
    expect(() => formatSyslogMessage({ ...base, facility: 24, structuredData: [] })).toThrow(RangeError);
  });

  it('counts octets, not characters, in the frame length', () => {
    const message = Buffer.from('<109>1 - - - - - - ü€😀', 'utf8');
    const frame = octetCountedFrame(message).toString('utf8');
    expect(frame.startsWith(`${message.length} `)).toBe(true);
    expect(message.length).toBeGreaterThan('<109>1 - - - - - - ü€😀'.length);
  });

  it('reads only syslog:// and syslog+tls:// URLs with a host and a port', () => {
    expect(parseSyslogTarget('syslog+tls://logs.example:6514')).toEqual({
      host: 'logs.example',
      port: 6514,
      tls: true,
    });
    expect(parseSyslogTarget('syslog://[::1]:514')).toEqual({ host: '::1', port: 514, tls: false });
    for (const bad of [
      'syslog://logs.example',
      'https://logs.example:1',
      'syslog://u:p@h:1',
      'syslog://h:1/x',
      'nonsense',
    ]) {
      expect(parseSyslogTarget(bad)).toBeNull();
    }
  });
});

describe('syslog delivery to a real receiver', () => {
  let pems: { private: string; cert: string };
  beforeAll(async () => {
    const generated = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    pems = { private: generated.private, cert: generated.cert };
  });
  const receivers: SyslogReceiver[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
  });
  const start = async (withTls: boolean) => {
    const receiver = await SyslogReceiver.start(withTls ? { key: pems.private, cert: pems.cert } : undefined);
    receivers.push(receiver);
    return receiver;
  };

  it('over TCP: every event once, in leaf order, with its chain and leaf index, then the checkpoint', async () => {
    const receiver = await start(false);
    // Enough frames, with multi-byte characters, that TCP splits them across reads.
    const events = Array.from({ length: 2000 }, (_, i) => sealed(i, { note: `ü€ "quoted" ] ${i}` }));
    const frames = syslogBatchFrames({ chain: 'acme', format: 'jsonl', hostname: 'app-1' }, events, checkpoint, at);
    const result = await sendSyslogFrames({ host: '127.0.0.1', port: receiver.port, tls: false }, frames, {
      timeoutMs: 5000,
    });
    expect(result.error).toBeNull();
    expect(receiver.errors).toEqual([]);
    expect(receiver.messages).toHaveLength(2001);
    const audit = receiver.messages.slice(0, 2000);
    audit.forEach((message, i) => {
      expect(message.priority).toBe(13 * 8 + 5);
      expect(message.version).toBe(1);
      expect(message.timestamp).toBe('2026-11-30T08:00:00.123Z');
      expect(message.hostname).toBe('app-1');
      expect(message.appName).toBe('skillhub');
      expect(message.msgId).toBe('audit');
      expect(message.structuredData).toEqual([{ id: skillhubSdId, params: { chain: 'acme', leaf: String(i) } }]);
      expect(message.hasBom).toBe(true);
      expect(JSON.parse(message.message)).toMatchObject({
        id: events[i]?.event.id,
        metadata: { note: `ü€ "quoted" ] ${i}` },
      });
    });
    const last = receiver.messages[2000];
    expect(last?.msgId).toBe('checkpoint');
    expect(last?.structuredData[0]?.params).toEqual({ chain: 'acme', tree_size: '3' });
    expect(last?.message).toBe(checkpoint.note);
  });

  it('sends OCSF when asked, and the system chain as chain=""', async () => {
    const receiver = await start(false);
    const frames = syslogBatchFrames({ chain: '', format: 'ocsf', hostname: 'app-1' }, [sealed(7)], null, at);
    const result = await sendSyslogFrames({ host: '127.0.0.1', port: receiver.port, tls: false }, frames, {
      timeoutMs: 5000,
    });
    expect(result.error).toBeNull();
    expect(receiver.messages).toHaveLength(1);
    expect(receiver.messages[0]?.structuredData[0]?.params).toEqual({ chain: '', leaf: '7' });
    expect(JSON.parse(receiver.messages[0]?.message ?? '')).toHaveProperty('class_uid');
  });

  it('over TLS with a self-signed certificate the operator trusts', async () => {
    const receiver = await start(true);
    const frames = syslogBatchFrames(
      { chain: 'acme', format: 'jsonl', hostname: 'app-1' },
      [sealed(0), sealed(1)],
      checkpoint,
      at,
    );
    const target = { host: '127.0.0.1', port: receiver.port, tls: true };
    const result = await sendSyslogFrames(target, frames, { timeoutMs: 5000, ca: pems.cert });
    expect(result.error).toBeNull();
    expect(receiver.messages.map((m) => m.structuredData[0]?.params.leaf)).toEqual(['0', '1', undefined]);
  });

  it('refuses a TLS receiver whose certificate nobody vouched for, and reports the batch undelivered', async () => {
    const receiver = await start(true);
    const frames = syslogBatchFrames({ chain: 'acme', format: 'jsonl', hostname: 'app-1' }, [sealed(0)], null, at);
    const result = await sendSyslogFrames({ host: '127.0.0.1', port: receiver.port, tls: true }, frames, {
      timeoutMs: 5000,
    });
    expect(result.error).toMatch(/self[- ]signed|certificate/i);
    expect(receiver.messages).toEqual([]);
  });

  it('reports a receiver that is down, or that resets the connection, as undelivered', async () => {
    const receiver = await start(false);
    const frames = syslogBatchFrames({ chain: 'acme', format: 'jsonl', hostname: 'app-1' }, [sealed(0)], null, at);
    const target = { host: '127.0.0.1', port: receiver.port, tls: false };
    receiver.hangUpEarly = true;
    expect((await sendSyslogFrames(target, frames, { timeoutMs: 5000 })).error).not.toBeNull();
    await receiver.stop();
    receivers.splice(receivers.indexOf(receiver), 1);
    expect((await sendSyslogFrames(target, frames, { timeoutMs: 5000 })).error).toMatch(/ECONNREFUSED/);
  });

  it('times out on a receiver that never closes its side', async () => {
    const { createServer } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const silent = createServer({ allowHalfOpen: true }, (socket) => {
      held.push(socket.on('error', () => {}));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const frames = syslogBatchFrames({ chain: 'acme', format: 'jsonl', hostname: 'app-1' }, [sealed(0)], null, at);
    const result = await sendSyslogFrames({ host: '127.0.0.1', port, tls: false }, frames, { timeoutMs: 300 });
    expect(result.error).toMatch(/no close from the receiver/);
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
