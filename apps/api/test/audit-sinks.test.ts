import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, securityEventsOf } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';
import { waitUntil } from './support/wait-until.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

/**
 * The audit sink API for workspace admins: the signing secret shown once,
 * another workspace's sink ids answered exactly like unknown ones (and the
 * probe recorded there), and a tenant's webhook URL refused when it names
 * the server's own loopback or private network, or the cloud metadata
 * address.
 */
let t: TestServer;
let a: SignedUpUser;
let b: SignedUpUser;
let bSink: string;
beforeAll(async () => {
  t = await startTestServer();
  a = await signUpOwner(t, 'sink-owner');
  b = await signUpOwner(t, 'sink-target');
  const created = await b.client.post<{ id: string }>('/audit/sinks', {
    name: 'b-siem',
    url: 'https://siem.example/b',
  });
  expect(created.status).toBe(201);
  bSink = created.body.id;
});
afterAll(() => t.close());

describe('configuring a sink', () => {
  test('create shows the secret once; list and get never do; the change is recorded with the secret redacted', async () => {
    const created = await a.client.post<{ id: string; signingSecret: string; deliveredThrough: number }>(
      '/audit/sinks',
      { name: 'siem', url: 'https://siem.example/hook', format: 'jsonl' },
    );
    expect(created.status).toBe(201);
    expect(created.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body.deliveredThrough).toBe(-1);
    const listed = await a.client.get('/audit/sinks');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(created.body.signingSecret.slice(6));
    const one = await a.client.get(`/audit/sinks/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.text).not.toContain('signingSecret');
    const { rows } = await t.testDb.ownerQuery<{ action: string; record: string }>(
      `select action, coalesce(new_record::text, metadata::text) as record from audit_logs
        where tenant_id = $1 and resource_id like $2 order by created_at`,
      [a.tenantId, `%${created.body.id}%`],
    );
    expect(rows.map((r) => r.action).sort()).toEqual(['audit_sink.created', 'audit_sinks.insert']);
    for (const row of rows) expect(row.record).not.toContain(created.body.signingSecret.slice(6, 30));
  });

  test('a duplicate name is a 409, bad input a 400, and neither leaves a row', async () => {
    await a.client.post('/audit/sinks', { name: 'dup', url: 'https://siem.example/1' });
    const dup = await a.client.post('/audit/sinks', { name: 'dup', url: 'https://siem.example/2' });
    expect(errorOf(dup).code).toBe('CONFLICT');
    for (const body of [
      { name: 'x', url: 'ftp://siem.example/' },
      { name: 'x', url: 'not a url' },
      { name: 'x', url: 'https://user:pass@siem.example/' },
      { name: 'x\u0000', url: 'https://siem.example/' },
      { name: 'x', url: `https://siem.example/${'a'.repeat(3000)}` },
      { name: 'x', url: 'https://siem.example/', fromLeaf: -1 },
      { name: 'x', url: 'https://siem.example/', fromLeaf: 1e300 },
      { name: 'x', url: 'https://siem.example/', format: 'xml' },
    ]) {
      const refused = await a.client.post('/audit/sinks', body);
      expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(errorOf(refused).code).toBe('VALIDATION_FAILED');
    }
    const { rows } = await t.testDb.ownerQuery<{ n: string }>(
      `select count(*) as n from audit_sinks where tenant_id = $1 and name = 'x'`,
      [a.tenantId],
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  test('replay refuses a leaf index past the tree, and a member may not touch sinks', async () => {
    const created = await a.client.post<{ id: string; treeSize: number }>('/audit/sinks', {
      name: 'replayed',
      url: 'https://siem.example/r',
    });
    const beyond = await a.client.post(`/audit/sinks/${created.body.id}/replay`, {
      fromLeaf: created.body.treeSize + 10,
    });
    expect(errorOf(beyond).code).toBe('VALIDATION_FAILED');
    const ok = await a.client.post<{ deliveredThrough: number }>(`/audit/sinks/${created.body.id}/replay`, {
      fromLeaf: 0,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.deliveredThrough).toBe(-1);
  });
});

describe('SSRF: a tenant’s webhook may not reach the server’s own network', () => {
  const forbidden = [
    'http://127.0.0.1:5432/',
    'http://localhost:5432/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:5432/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.5/',
    'http://192.168.1.1/',
    'http://0.0.0.0:5432/',
    'http://2130706433/',
    'http://0x7f.0.0.1/',
  ];
  test.each(forbidden)('%s is refused with a 400 naming the reason', async (url) => {
    const refused = await a.client.post('/audit/sinks', { name: `ssrf-${randomUUID()}`, url });
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((refused.body as { error: { details: { reason: string } } }).error.details.reason).toBe('private_address');
  });

  test('a URL that passed the check but reaches loopback at connect time (a name, DNS rebinding) is not contacted', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const created = await a.client.post<{ id: string }>('/audit/sinks', {
        name: 'rebinding',
        url: 'https://siem.example/hook',
      });
      // As if siem.example now resolved to this machine: the row names a loopback host.
      await t.testDb.ownerQuery('update audit_sinks set url = $1 where id = $2', [
        receiver.url.replace('127.0.0.1', 'localhost'),
        created.body.id,
      ]);
      const tested = await a.client.post<{ statusCode: number | null; error: string }>(
        `/audit/sinks/${created.body.id}/test`,
      );
      expect(tested.status).toBe(200);
      expect(tested.body.statusCode).toBeNull();
      expect(tested.body.error).toMatch(/not allowed/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});

test('PATCH re-pointing a sink at a private address is refused too; pausing and resuming are recorded', async () => {
  const created = await a.client.post<{ id: string }>('/audit/sinks', {
    name: 'patched',
    url: 'https://siem.example/p',
  });
  const refused = await a.client.patch(`/audit/sinks/${created.body.id}`, { url: 'http://169.254.169.254/' });
  expect(refused.status).toBe(400);
  const unchanged = await a.client.get<{ url: string }>(`/audit/sinks/${created.body.id}`);
  expect(unchanged.body.url).toBe('https://siem.example/p');
  const paused = await a.client.patch<{ pausedAt: string | null }>(`/audit/sinks/${created.body.id}`, {
    enabled: false,
  });
  expect(paused.body.pausedAt).not.toBeNull();
  const resumed = await a.client.patch<{ pausedAt: string | null }>(`/audit/sinks/${created.body.id}`, {
    enabled: true,
  });
  expect(resumed.body.pausedAt).toBeNull();
  const { rows } = await t.testDb.ownerQuery<{ n: string }>(
    `select count(*) as n from audit_logs where action = 'audit_sink.updated' and resource_id = $1`,
    [created.body.id],
  );
  expect(Number(rows[0]?.n)).toBe(2);
});

// Regression: a PATCH that changed nothing still recorded an audit_sink.updated event.
test('a PATCH that changes nothing (no field, or each as it is) answers the sink and records nothing', async () => {
  const created = await a.client.post<{ id: string }>('/audit/sinks', { name: 'still', url: 'https://siem.example/s' });
  const events = async () => {
    const { rows } = await t.testDb.ownerQuery<{ n: string }>(
      `select count(*) as n from audit_logs where resource_id = $1 and (action = 'audit_sink.updated' or operation = 'UPDATE')`,
      [created.body.id],
    );
    return Number(rows[0]?.n);
  };
  for (const body of [{}, { name: 'still' }, { url: 'https://siem.example/s', format: 'ocsf' }, { enabled: true }]) {
    const answer = await a.client.patch<{ name: string }>(`/audit/sinks/${created.body.id}`, body);
    expect(answer.status, JSON.stringify(body)).toBe(200);
    expect(answer.body.name).toBe('still');
  }
  expect(await events()).toBe(0);
  const renamed = await a.client.patch<{ name: string }>(`/audit/sinks/${created.body.id}`, {
    name: 'moved',
    format: 'ocsf',
  });
  expect(renamed.body.name).toBe('moved');
  const { rows } = await t.testDb.ownerQuery<{ metadata: Record<string, unknown> }>(
    `select metadata from audit_logs where action = 'audit_sink.updated' and resource_id = $1`,
    [created.body.id],
  );
  // Only what changed is recorded.
  expect(rows.map((r) => r.metadata)).toEqual([{ name: 'moved' }]);
});

describe('another workspace’s sink ids', () => {
  const routes: [string, string, (id: string) => string, unknown?][] = [
    ['GET', 'read', (id) => `/audit/sinks/${id}`],
    ['PATCH', 'update', (id) => `/audit/sinks/${id}`, { name: 'stolen' }],
    ['DELETE', 'delete', (id) => `/audit/sinks/${id}`],
    ['POST', 'test', (id) => `/audit/sinks/${id}/test`],
    ['POST', 'replay', (id) => `/audit/sinks/${id}/replay`, { fromLeaf: 0 }],
    ['GET', 'history', (id) => `/audit/sinks/${id}/attempts`],
  ];
  test.each(routes)('%s %s: the same 404 as an unknown id, the sink untouched', async (method, _name, path, body) => {
    const foreign = await a.client.request(method, path(bSink), { body });
    const unknown = await a.client.request(method, path(randomUUID()), { body });
    expect(foreign.status).toBe(404);
    expect(errorOf(foreign)).toEqual(errorOf(unknown));
    const { rows } = await t.testDb.ownerQuery<{ name: string; delivered_through: string }>(
      `select s.name, c.delivered_through from audit_sinks s join audit_sink_cursors c on c.sink_id = s.id where s.id = $1`,
      [bSink],
    );
    expect(rows[0]).toEqual({ name: 'b-siem', delivered_through: '-1' });
  });

  test('the probes are recorded in the workspace that owns the sink', async () => {
    await t.server.settled();
    const events = (await securityEventsOf(t, b.tenantId, 'access_blocked')).filter(
      (e) => e.details.resourceId === bSink,
    );
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toMatchObject({ details: { reason: 'cross_tenant_resource', actorId: a.userId } });
  });
});

describe('with background delivery', () => {
  let bg: TestServer;
  let owner: SignedUpUser;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    bg = await startTestServer(
      { sinks: { ...t.config.sinks, allowPrivateNetwork: true, timeoutMs: 3_000, pollMs: 20 } },
      { background: true },
    );
    owner = await signUpOwner(bg, 'sink-bg');
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => {
    receiver.delayMs = 0;
  });
  afterAll(async () => {
    await receiver.close();
    await bg.close();
  });

  test('test sends a message the library verifies; history shows the attempt', async () => {
    const created = await owner.client.post<{ id: string; signingSecret: string }>('/audit/sinks', {
      name: 'live',
      url: receiver.url,
    });
    expect(created.status).toBe(201);
    const tested = await owner.client.post<{ statusCode: number; webhookId: string }>(
      `/audit/sinks/${created.body.id}/test`,
    );
    expect(tested.body.statusCode).toBe(204);
    const hook = receiver.received.find((h) => h.headers['webhook-id'] === tested.body.webhookId);
    expect(hook).toBeDefined();
    expect(new Webhook(created.body.signingSecret).verify(hook?.body ?? '', hook?.headers ?? {})).toMatchObject({
      type: 'audit.test',
    });
    const history = await owner.client.get<{ attempts: { webhookId: string; statusCode: number }[] }>(
      `/audit/sinks/${created.body.id}/attempts`,
    );
    expect(history.body.attempts.some((x) => x.webhookId === tested.body.webhookId && x.statusCode === 204)).toBe(true);
  });

  test('six sinks whose receiver takes 2.5 s per batch do not slow requests down', async () => {
    receiver.delayMs = 2_500;
    const arrived = receiver.arrivals;
    for (let i = 0; i < 6; i++) {
      const created = await owner.client.post('/audit/sinks', { name: `slow-${i}`, url: receiver.url });
      expect(created.status).toBe(201);
    }
    // Measured while deliveries hang on the receiver (the worker leases 4 sinks at a time).
    await waitUntil('four deliveries waiting on the receiver', () => receiver.arrivals - arrived >= 4, 10_000);
    const timings: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const response = await owner.client.post('/skills', { slug: `slow-${i}`, name: `Slow ${i}` });
      timings.push(performance.now() - started);
      expect(response.status).toBe(201);
    }
    const sorted = [...timings].sort((x, y) => x - y);
    // Each request writes and commits; none waits for a receiver that takes 2.5 s.
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(500);
    expect(sorted.at(-1)).toBeLessThan(2_000);
  });
});
