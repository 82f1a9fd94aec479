import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeyClient, countAuditEvents, countSecurityEvents } from './support/audit.ts';
import type { HttpClient } from './support/http-client.ts';
import { errorOf, inviteUser, securityEventsOf, signIn } from './support/identity.ts';
import { type SignedUpUser, signUpOwner, startTestServer, type TestServer } from './support/test-server.ts';

interface AuditEvent {
  id: string;
  tenantId: string;
  actorId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  createdAt: string;
}
interface Page {
  events: AuditEvent[];
  nextCursor: string | null;
}
interface SecurityEvent {
  id: string;
  eventType: string;
  createdAt: string;
}

let t: TestServer;
let acme: SignedUpUser;
let globex: SignedUpUser;
let member: SignedUpUser;
/** A resource of globex's that acme tries to name in filters. */
let globexKeyId: string;

beforeAll(async () => {
  t = await startTestServer();
  acme = await signUpOwner(t, 'acme');
  globex = await signUpOwner(t, 'globex');
  member = await inviteUser(t, acme, 'acme', 'member@acme.test');
  const created = await globex.client.post<{ id: string }>('/api-keys', {
    name: 'globex robot',
    scopes: ['audit:read'],
  });
  globexKeyId = created.body.id;
  await acme.client.post('/api-keys', { name: 'acme robot', scopes: ['skills:read'] });
  // Security events in both tenants: a failed sign-in each.
  await signIn(t.client.fork(), acme.email, 'wrong password!', 'acme');
  await signIn(t.client.fork(), globex.email, 'wrong password!', 'globex');
});
afterAll(() => t.close());

/** Every page of GET `path`, following nextCursor. */
async function allPages<T>(client: HttpClient, path: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path;
    const page = await client.get<{ events: T[]; nextCursor: string | null }>(url);
    expect(page.status, page.text).toBe(200);
    items.push(...page.body.events);
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor && pages < 1_000);
  return { items, pages };
}

const routes = [
  'GET /audit-events',
  'GET /audit/status',
  'POST /audit/verify',
  'GET /audit/export?format=jsonl',
  'GET /security-events',
];
const call = (client: HttpClient, route: string) => {
  const [method = 'GET', path = '/'] = route.split(' ');
  return client.request(method, path);
};

describe('who may read', () => {
  test.each(routes)('%s without credentials is 401', async (route) => {
    expect(errorOf(await call(t.client, route))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  test.each(routes)('%s as a member is 403, recorded as permission_denied', async (route) => {
    const path = route.split(' ')[1] ?? '';
    const before = await countSecurityEvents(t, acme.tenantId, 'permission_denied');
    expect(errorOf(await call(member.client, route))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denied = await securityEventsOf(t, acme.tenantId, 'permission_denied');
    expect(denied).toHaveLength(before + 1);
    expect(denied.at(-1)).toMatchObject({ user_id: member.userId, details: { path: path.split('?')[0] } });
  });

  test('an API key with audit:read reads the audit trail and security events; one without is refused and recorded', async () => {
    const reader = await apiKeyClient(t, acme, ['audit:read']);
    expect((await reader.get('/audit-events')).status).toBe(200);
    expect((await reader.get('/security-events')).status).toBe(200);

    const other = await apiKeyClient(t, acme, ['skills:read']);
    const before = await countSecurityEvents(t, acme.tenantId, 'permission_denied');
    expect(errorOf(await other.get('/audit-events'))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const denied = await securityEventsOf(t, acme.tenantId, 'permission_denied');
    expect(denied).toHaveLength(before + 1);
    expect(denied.at(-1)?.details).toMatchObject({ reason: 'missing_scope', scope: 'audit:read' });
  });
});

describe('GET /audit-events', () => {
  test('lists the tenant’s events newest first, each with its action, actor and resource', async () => {
    const page = await acme.client.get<Page>('/audit-events?limit=200');
    expect(page.status).toBe(200);
    const { events } = page.body;
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.tenantId === acme.tenantId)).toBe(true);
    const times = events.map((e) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(events.find((e) => e.action === 'api_key.created')).toMatchObject({
      actorId: acme.userId,
      resourceType: 'api_key',
    });
    expect(events.map((e) => e.action)).toContain('security.login_failed');
  });

  test('filters by actor, action, resource and time range', async () => {
    const byAction = await acme.client.get<Page>('/audit-events?action=api_key.created');
    expect(byAction.body.events.length).toBeGreaterThan(0);
    expect(byAction.body.events.every((e) => e.action === 'api_key.created')).toBe(true);

    const key = byAction.body.events[0];
    const byResource = await acme.client.get<Page>(
      `/audit-events?resourceType=api_key&resourceId=${key?.resourceId}&actor=${acme.userId}`,
    );
    expect(byResource.body.events.map((e) => e.id)).toContain(key?.id);
    expect(byResource.body.events.every((e) => e.resourceId === key?.resourceId && e.actorId === acme.userId)).toBe(
      true,
    );

    const at = key?.createdAt ?? '';
    const exactly = await acme.client.get<Page>(
      `/audit-events?action=api_key.created&from=${encodeURIComponent(at)}&to=${encodeURIComponent(at)}`,
    );
    expect(exactly.body.events.map((e) => e.id)).toEqual([key?.id]);
    const future = await acme.client.get<Page>('/audit-events?from=2999-01-01T00:00:00Z');
    expect(future.body.events).toEqual([]);
  });

  test('pages with a cursor: every event once, in order', async () => {
    const whole = await acme.client.get<Page>('/audit-events?limit=200');
    const paged = await allPages<AuditEvent>(acme.client, '/audit-events?limit=3');
    expect(paged.pages).toBeGreaterThan(2);
    expect(paged.items.map((e) => e.id)).toEqual(whole.body.events.map((e) => e.id));
  });

  // Regression: a cursor holding a millisecond Date skipped rows that shared the millisecond.
  test('events within one millisecond are neither skipped nor repeated across pages', async () => {
    await t.testDb.ownerQuery(
      `insert into audit_logs (tenant_id, action, resource_type, resource_id, created_at)
       select $1, 'skill.updated', 'skill', 'same-ms-' || i, '2001-02-03T04:05:06.789Z'::timestamptz + i * interval '1 microsecond'
       from generate_series(1, 5) i`,
      [acme.tenantId],
    );
    const paged = await allPages<AuditEvent>(acme.client, '/audit-events?resourceType=skill&limit=2');
    expect(paged.items.map((e) => e.resourceId)).toEqual([
      'same-ms-5',
      'same-ms-4',
      'same-ms-3',
      'same-ms-2',
      'same-ms-1',
    ]);
  });

  test('rejects malformed queries with 400 and writes nothing', async () => {
    const before = await countAuditEvents(t, acme.tenantId);
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=ten',
      'from=yesterday',
      'from=2024-02-30T00:00:00Z',
      'to=2024-01-01',
      'from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z',
      'cursor=not-a-cursor',
      `cursor=${Buffer.from('["2025-01-01T00:00:00Z","x"]').toString('base64url')}`,
      `actor=${'a'.repeat(201)}`,
      'tenantId=globex',
    ]) {
      expect(errorOf(await acme.client.get(`/audit-events?${query}`)), query).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect(await countAuditEvents(t, acme.tenantId)).toBe(before);
  });
});

describe('tenant isolation', () => {
  test('filters naming another tenant’s resources, actors or actions find nothing', async () => {
    for (const query of [
      `resourceId=${globexKeyId}`,
      `resourceType=api_key&resourceId=${globexKeyId}`,
      `actor=${globex.userId}`,
      `actor=${globexKeyId}`,
    ]) {
      const page = await acme.client.get<Page>(`/audit-events?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.events, query).toEqual([]);
    }
    // The same filters in globex find them: the rows exist.
    expect((await globex.client.get<Page>(`/audit-events?resourceId=${globexKeyId}`)).body.events).not.toEqual([]);
  });

  test('no page of either list ever holds another tenant’s event', async () => {
    const globexAudit = new Set(
      (
        await t.testDb.ownerQuery<{ id: string }>('select id from audit_logs where tenant_id = $1', [globex.tenantId])
      ).rows.map((r) => r.id),
    );
    const globexSecurity = new Set((await securityEventsOf(t, globex.tenantId)).map((e) => e.id));
    const audit = await allPages<AuditEvent>(acme.client, '/audit-events?limit=50');
    expect(audit.items.filter((e) => globexAudit.has(e.id))).toEqual([]);
    expect(audit.items.every((e) => e.tenantId === acme.tenantId)).toBe(true);
    const security = await allPages<SecurityEvent>(acme.client, '/security-events?limit=50');
    expect(security.items.length).toBe(await countSecurityEvents(t, acme.tenantId));
    expect(security.items.filter((e) => globexSecurity.has(e.id))).toEqual([]);
  });

  test('an API key of one tenant reads only its own tenant', async () => {
    const reader = await apiKeyClient(t, globex, ['audit:read']);
    const page = await reader.get<Page>('/audit-events?limit=200');
    expect(page.body.events.length).toBeGreaterThan(0);
    expect(page.body.events.every((e) => e.tenantId === globex.tenantId)).toBe(true);
  });
});

describe('GET /security-events', () => {
  test('filters by type and time range and pages with a cursor', async () => {
    const failed = await acme.client.get<{ events: SecurityEvent[] }>('/security-events?type=login_failed');
    expect(failed.body.events.length).toBeGreaterThan(0);
    expect(failed.body.events.every((e) => e.eventType === 'login_failed')).toBe(true);
    const at = failed.body.events[0]?.createdAt ?? '';
    const window = await acme.client.get<{ events: SecurityEvent[] }>(
      `/security-events?type=login_failed&since=${encodeURIComponent(at)}&until=${encodeURIComponent(at)}`,
    );
    expect(window.body.events.map((e) => e.id)).toEqual([failed.body.events[0]?.id]);
    const whole = await acme.client.get<{ events: SecurityEvent[] }>('/security-events?limit=200');
    const paged = await allPages<SecurityEvent>(acme.client, '/security-events?limit=2');
    expect(paged.items.map((e) => e.id)).toEqual(whole.body.events.map((e) => e.id));
    expect(
      errorOf(await acme.client.get('/security-events?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z')),
    ).toMatchObject({ status: 400 });
  });

  // Regression: the cursor held a millisecond Date and skipped events that shared the millisecond.
  test('events within one millisecond are neither skipped nor repeated across pages', async () => {
    await t.testDb.ownerQuery(
      `insert into security_events (tenant_id, event_type, email, created_at)
       select $1, 'login_failed', 'same-ms-' || i || '@acme.test',
              '2001-02-03T04:05:06.789Z'::timestamptz + i * interval '1 microsecond'
       from generate_series(1, 5) i`,
      [acme.tenantId],
    );
    const paged = await allPages<SecurityEvent & { email: string }>(
      acme.client,
      '/security-events?until=2001-02-04T00:00:00Z&limit=2',
    );
    expect(paged.items.map((e) => e.email)).toEqual([5, 4, 3, 2, 1].map((i) => `same-ms-${i}@acme.test`));
  });
});

describe('POST /audit/verify', () => {
  interface Status {
    intact: boolean;
    events: number;
    head: { position: number; hash: string } | null;
    unsealed: number;
    break: { kind: string; eventId: string | null; position: number | null } | null;
  }

  test('reports an intact chain with its head, counting only the tenant’s events, and records the check', async () => {
    const initech = await signUpOwner(t, 'initech');
    await initech.client.post('/api-keys', { name: 'one', scopes: ['skills:read'] });
    // The endpoint waits only briefly for sealing, which any open transaction on the server holds back
    // (another test file's bulk insert, say); wait here so that every event so far is sealed.
    expect(await t.db.sealCommittedAuditEvents(40_000)).toBe(true);
    const status = await initech.client.post<Status>('/audit/verify');
    expect(status.status).toBe(200);
    const seals = await t.testDb.ownerQuery<{ n: string; head: string }>(
      'select count(*) as n, max(position) as head from audit.seals where chain = $1',
      [initech.tenantId],
    );
    expect(status.body).toMatchObject({ intact: true, unsealed: 0, break: null });
    expect(status.body.events).toBe(Number(seals.rows[0]?.n));
    expect(status.body.head?.position).toBe(Number(seals.rows[0]?.head));
    expect(status.body.head?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await countAuditEvents(t, initech.tenantId, 'audit.verified')).toBe(1);

    // Another tenant's tampering does not touch this verdict...
    await t.testDb.ownerQuery(
      `begin; set local session_replication_role = replica;
       update audit_logs set metadata = '{"forged": true}'
       where id = (select id from audit_logs where tenant_id = '${globex.tenantId}' order by seq limit 1); commit;`,
    );
    expect((await initech.client.post<Status>('/audit/verify')).body.intact).toBe(true);

    // ...its own does: a superuser edits an event with the triggers off.
    const target = await t.testDb.ownerQuery<{ event_id: string; position: string }>(
      'select event_id, position from audit.seals where chain = $1 order by position limit 1 offset 1',
      [initech.tenantId],
    );
    await t.testDb.ownerQuery(
      `begin; set local session_replication_role = replica;
       update audit_logs set actor_id = 'someone else' where id = '${target.rows[0]?.event_id}'; commit;`,
    );
    const broken = await initech.client.post<Status>('/audit/verify');
    expect(broken.body).toMatchObject({
      intact: false,
      break: { kind: 'modified', eventId: target.rows[0]?.event_id, position: Number(target.rows[0]?.position) },
    });
    expect((await globex.client.post<Status>('/audit/verify')).body).toMatchObject({
      intact: false,
      break: { kind: 'modified', position: 1 },
    });
  });

  test('refuses query parameters it does not know', async () => {
    expect(errorOf(await acme.client.post('/audit/verify?tenantId=globex'))).toMatchObject({ status: 400 });
  });
});
