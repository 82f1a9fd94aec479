import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeyClient, countAuditEvents, countSecurityEvents, insertAuditEvents } from './support/audit.ts';
import { errorOf, inviteUser, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface ExportedEvent {
  id: string;
  tenantId: string;
  action: string;
  resourceId: string | null;
  createdAt: string;
}
interface OcsfEvent {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  time: number;
  severity_id: number;
  status_id: number;
  actor: { user: { uid?: string } };
  src_endpoint: { ip?: string };
  metadata: { version: string; product: { name: string }; tenant_uid: string; uid: string };
  unmapped: ExportedEvent;
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;
let globexKeyId: string;

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  await inviteUser(t, acme, 'acme', 'member@acme.test');
  await acme.client.post('/api-keys', { name: 'acme robot', scopes: ['skills:read'] });
  await signIn(t.client.fork(), acme.email, 'wrong password!', 'acme');
  await acme.client.post('/auth/sign-out');
  await signIn(acme.client, acme.email, acme.password, 'acme');
  globexKeyId = (
    await globex.client.post<{ id: string }>('/api-keys', { name: 'globex robot', scopes: ['audit:read'] })
  ).body.id;
});
afterAll(() => t.close());

/** The tenant's events as the owner sees them, oldest first (what a whole-range export must hold). */
const ledgerOf = async (tenantId: string) =>
  (
    await t.testDb.ownerQuery<{ id: string; action: string }>(
      'select id, action from audit_logs where tenant_id = $1 order by created_at, id',
      [tenantId],
    )
  ).rows;

const since = '2000-01-01T00:00:00Z';
const wholeRange = () => `from=${encodeURIComponent(new Date(Date.now() - 300 * 86_400_000).toISOString())}`;

describe('formats', () => {
  test('JSON Lines: one event per line, all of the tenant’s, oldest first, as an attachment streamed in chunks', async () => {
    const ledger = await ledgerOf(acme.tenantId);
    const response = await acme.client.get(`/audit/export?format=jsonl&${wholeRange()}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="audit-acme-.*\.jsonl"$/);
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.headers['transfer-encoding']).toBe('chunked');
    const events = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportedEvent);
    // `to` defaults to the moment of the request: the export's own records come just after it.
    expect(events.map((e) => e.id)).toEqual(ledger.map((e) => e.id));
    expect(events.every((e) => e.tenantId === acme.tenantId)).toBe(true);
  });

  test('CSV: a header row, one row per event, fields quoted where they must be', async () => {
    const ledger = await ledgerOf(acme.tenantId);
    const response = await acme.client.get(`/audit/export?format=csv&${wholeRange()}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(/filename="audit-acme-.*\.csv"$/);
    const rows = parseCsv(response.text);
    const [header, ...records] = rows;
    expect(header?.slice(0, 6)).toEqual(['id', 'created_at', 'tenant_id', 'actor_type', 'actor_id', 'action']);
    expect(records.every((r) => r.length === header?.length)).toBe(true);
    expect(records.map((r) => r[0])).toEqual(ledger.map((e) => e.id));
    const metadata = header?.indexOf('metadata') ?? -1;
    for (const record of records) expect(() => JSON.parse(record[metadata] ?? '')).not.toThrow();
  });

  test('OCSF: one JSON array, each event classed (3002, 3001, 6003) with its ids, time, actor and tenant', async () => {
    await acme.client.get('/audit/export?format=jsonl'); // so that an audit.exported event is in the range
    const ledger = await ledgerOf(acme.tenantId);
    const response = await acme.client.get(`/audit/export?format=ocsf&${wholeRange()}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const events = JSON.parse(response.text) as OcsfEvent[];
    expect(events.length).toBe(ledger.length);
    const classOf = (action: string) => events.find((e) => e.unmapped.action === action);

    expect(classOf('security.login_success')).toMatchObject({
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300201,
      status_id: 1,
    });
    expect(classOf('security.login_failed')).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2 });
    expect(classOf('auth.sign_out')).toMatchObject({ class_uid: 3002, activity_id: 2, type_uid: 300202 });
    expect(classOf('security.logout')).toMatchObject({ class_uid: 3002, activity_id: 2 });
    expect(classOf('api_key.created')).toMatchObject({
      class_uid: 3001,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300101,
    });
    expect(classOf('user.invited')).toMatchObject({ class_uid: 3001, activity_id: 1 });
    expect(classOf('audit.exported')).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 2,
      type_uid: 600302,
    });
    expect(classOf('users.insert')).toMatchObject({ class_uid: 6003, activity_id: 1 });

    for (const event of events) {
      expect(event.type_uid).toBe(event.class_uid * 100 + event.activity_id);
      expect(event.time).toBe(Date.parse(event.unmapped.createdAt));
      expect(event.severity_id).toBeGreaterThanOrEqual(1);
      expect(event.metadata).toMatchObject({
        version: '1.1.0',
        product: { name: 'Skillhub' },
        tenant_uid: acme.tenantId,
      });
      expect(event.metadata.uid).toBe(event.unmapped.id);
    }
    expect(classOf('api_key.created')?.actor.user.uid).toBe(acme.userId);
    expect(classOf('security.login_success')?.src_endpoint.ip).toBe('127.0.0.1');
  });
});

describe('recording', () => {
  test('each export leaves exactly one data_export security event and one audit.exported event', async () => {
    for (const format of ['jsonl', 'csv', 'ocsf']) {
      const security = await countSecurityEvents(t, acme.tenantId, 'data_export');
      const audit = await countAuditEvents(t, acme.tenantId, 'audit.exported');
      expect((await acme.client.get(`/audit/export?format=${format}`)).status).toBe(200);
      expect(await countSecurityEvents(t, acme.tenantId, 'data_export')).toBe(security + 1);
      expect(await countAuditEvents(t, acme.tenantId, 'audit.exported')).toBe(audit + 1);
    }
    const last = (await securityEventsOf(t, acme.tenantId, 'data_export')).at(-1);
    expect(last).toMatchObject({ user_id: acme.userId, details: { what: 'audit_events', format: 'ocsf' } });
  });

  test('an API key with audit:read may export, and is recorded as the actor', async () => {
    const reader = await apiKeyClient(t, acme, ['audit:read']);
    const response = await reader.get('/audit/export?format=jsonl');
    expect(response.status).toBe(200);
    const last = (
      await t.testDb.ownerQuery<{ actor_type: string }>(
        `select actor_type from audit_logs where tenant_id = $1 and action = 'audit.exported' order by seq desc limit 1`,
        [acme.tenantId],
      )
    ).rows[0];
    expect(last?.actor_type).toBe('api_key');
  });
});

describe('refusals', () => {
  test('without credentials 401; a member 403 with permission_denied, and no export recorded', async () => {
    expect(errorOf(await t.client.get('/audit/export'))).toMatchObject({ status: 401 });
    const member = await inviteUser(t, acme, 'acme', 'member-2@acme.test');
    const exports = await countSecurityEvents(t, acme.tenantId, 'data_export');
    const denied = await countSecurityEvents(t, acme.tenantId, 'permission_denied');
    expect(errorOf(await member.client.get('/audit/export?format=csv'))).toMatchObject({ status: 403 });
    expect(await countSecurityEvents(t, acme.tenantId, 'permission_denied')).toBe(denied + 1);
    expect(await countSecurityEvents(t, acme.tenantId, 'data_export')).toBe(exports);
  });

  test('a range over 366 days, an inverted range, an unknown format or parameter: 400 and nothing recorded', async () => {
    const exports = await countSecurityEvents(t, acme.tenantId, 'data_export');
    const audit = await countAuditEvents(t, acme.tenantId);
    for (const query of [
      `from=${since}&to=2001-01-02T00:00:00Z`,
      'from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z',
      'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z',
      'to=1999-01-01T00:00:00Z&from=1990-01-01T00:00:00Z',
      'format=xml',
      'format=csv&tenant=globex',
      'from=not-a-date',
    ]) {
      expect(errorOf(await acme.client.get(`/audit/export?${query}`)), query).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect(await countSecurityEvents(t, acme.tenantId, 'data_export')).toBe(exports);
    expect(await countAuditEvents(t, acme.tenantId)).toBe(audit);
  });
});

describe('tenant isolation', () => {
  test('an export holds the caller’s tenant only, whatever the other tenant has', async () => {
    const [jsonl, csv, ocsf] = await Promise.all(
      ['jsonl', 'csv', 'ocsf'].map((format) => acme.client.get(`/audit/export?format=${format}&${wholeRange()}`)),
    );
    for (const response of [jsonl, csv, ocsf]) {
      expect(response?.status).toBe(200);
      expect(response?.text).not.toContain(globex.tenantId);
      expect(response?.text).not.toContain(globexKeyId);
      expect(response?.text).not.toContain(globex.userId);
    }
    const fromGlobex = await globex.client.get(`/audit/export?format=jsonl&${wholeRange()}`);
    expect(fromGlobex.text).toContain(globexKeyId);
    expect(fromGlobex.text).not.toContain(acme.tenantId);
  });
});

describe('a large export', () => {
  let bulk: SignedUpUser;
  const count = 50_000;

  test('50,000 events stream in chunks, every line there, without the server holding the export in memory', async () => {
    bulk = await signUpOwner(t, 'bulk');
    await insertAuditEvents(t, bulk.tenantId, count, 400);
    const expected = (await ledgerOf(bulk.tenantId)).length;

    // Memory in use after a full collection, on the heap and outside it (buffers), sampled every
    // half second while the export runs: server and client share this process.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const inUse = () => {
      gc();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };
    const baseline = inUse();
    let peak = Number.NEGATIVE_INFINITY;
    const sampler = setInterval(() => {
      peak = Math.max(peak, inUse() - baseline);
    }, 500);
    let received = 0;
    let lines = 0;
    const url = new URL('/audit/export?format=jsonl', t.server.url);
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const request = http.get(url, { headers: { cookie: cookieOf(bulk) } }, (response) => {
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          for (const byte of chunk) if (byte === 10) lines += 1;
        });
        response.on('end', () => resolve(response.headers));
        response.on('error', reject);
      });
      request.on('error', reject);
    }).finally(() => clearInterval(sampler));
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(headers['content-length']).toBeUndefined();
    expect(lines).toBe(expected);
    expect(received).toBeGreaterThan(count * 400);
    // An export held in memory, as rows or as text, would show as growth of at least its size. What a
    // streaming export holds (a cursor batch, chunks in flight) reached 10.5 MB in one CI run, over a quarter of
    // the 41 MB received, which made a quarter too tight a bound.
    expect(peak).toBeGreaterThan(Number.NEGATIVE_INFINITY);
    expect(peak).toBeLessThan(received / 2);
  });
  test('a reader that stops reading holds the export back; one that goes away ends it and its transaction', async () => {
    const inTransaction = async () =>
      (
        await t.testDb.ownerQuery<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and state like 'idle in transaction%'`,
        )
      ).rows[0]?.n;
    const url = new URL('/audit/export?format=csv', t.server.url);
    let received = 0;
    const request = http.get(url, { headers: { cookie: cookieOf(bulk) } }, (response) => {
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        response.pause();
      });
    });
    request.on('error', () => {});
    // Paused: the export waits, idle in its transaction, with most of the range still unread.
    await expect.poll(inTransaction, { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(count * 100);
    request.destroy();
    await expect.poll(inTransaction, { timeout: 10_000 }).toBe(0);
    expect((await bulk.client.get('/audit-events?limit=1')).status).toBe(200);
  });
});

const cookieOf = (user: SignedUpUser) => [...user.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** RFC 4180 parsing, enough to check the export's quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += char;
  }
  return rows;
}
