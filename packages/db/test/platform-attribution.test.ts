// Finding 6 of issue 11: tenant.create / tenant.deactivate / tenant.activate
// rows written by the platform functions had no actor, request id or IP.
// Every platform operation now names its caller, and each record it leaves
// carries it: in the tenant's chain when the operation changes the tenant,
// in the system chain when it only looks one up.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiKeys, type Database, OperatorDoor, type RequestActor, sql, userSessions, users } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { openedIpSql } from './support/opened-ip.ts';
import { actor } from './support/tenant-rows.ts';

interface Attributed extends Record<string, unknown> {
  tenant_id: string;
  action: string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  ip: string | null;
  resource_id: string | null;
  metadata: Record<string, unknown>;
}

let testDb: TestDatabase;
let db: Database;
let acme: string;

const operator = (): RequestActor => ({
  actorType: 'user',
  actorId: randomUUID(),
  requestId: `req-${randomUUID()}`,
  ip: '203.0.113.7',
});

/** What the request left in the ledger, with the attribution of each row. */
const recordsOf = async (requestId: string) =>
  (
    await testDb.ownerQuery<Attributed>(
      `select tenant_id, action, actor_type, actor_id, request_id, ${openedIpSql('l')} as ip, resource_id, metadata
       from audit_logs l where request_id = $1 order by seq`,
      [requestId],
    )
  ).rows;

const attributedTo = (who: RequestActor) => ({
  actor_type: who.actorType,
  actor_id: who.actorId,
  request_id: who.requestId,
  ip: who.ip,
});

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
});
afterAll(() => testDb.drop());

describe('operations that change a tenant are recorded in its own chain, with who asked', () => {
  test('tenant.create', async () => {
    const who = operator();
    acme = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, who)).id;
    expect(await recordsOf(who.requestId ?? '')).toEqual([
      expect.objectContaining({ tenant_id: acme, action: 'tenant.create', resource_id: acme, ...attributedTo(who) }),
    ]);
  });

  test('tenant.deactivate and tenant.activate', async () => {
    for (const active of [false, true]) {
      const who = operator();
      await OperatorDoor.use(testDb.ownerUrl, (door) => door.setTenantActive(acme, active, who));
      expect(await recordsOf(who.requestId ?? '')).toEqual([
        expect.objectContaining({
          tenant_id: acme,
          action: active ? 'tenant.activate' : 'tenant.deactivate',
          ...attributedTo(who),
        }),
      ]);
    }
  });

  test('an API key resolved before any tenant is known writes nothing: its last use is written behind, unrecorded', async () => {
    const keyHash = randomUUID();
    const lastUsedAt = new Date(Date.now() - 3_600_000);
    await db.withTenant(acme, actor(), (tx) =>
      tx.insert(apiKeys).values({ name: 'ci', prefix: 'ci01', keyHash, lastUsedAt }),
    );
    const who = operator();
    expect(await db.platform.resolveApiKey(keyHash, who)).toMatchObject({ tenantId: acme });
    expect(await recordsOf(who.requestId ?? '')).toEqual([]);
    const stored = await testDb.ownerQuery<{ last_used_at: Date }>(
      'select last_used_at from api_keys where key_hash = $1',
      [keyHash],
    );
    expect(stored.rows[0]?.last_used_at).toEqual(lastUsedAt);
  });

  test('a session that expired while idle, ended when presented', async () => {
    const tokenHash = randomUUID();
    await db.withTenant(acme, actor(), async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email: `${randomUUID()}@acme.test`, displayName: 'Idle' })
        .returning({ id: users.id });
      await tx.insert(userSessions).values({
        userId: user?.id ?? '',
        tokenHash,
        expiresAt: sql`now() + interval '1 hour'`,
        lastActivityAt: sql`now() - interval '2 hours'`,
      });
    });
    const who = operator();
    expect(await db.platform.resolveSession(tokenHash, who)).toBeNull();
    expect(await recordsOf(who.requestId ?? '')).toEqual([
      expect.objectContaining({ tenant_id: acme, action: 'security.session_terminated', ...attributedTo(who) }),
    ]);
  });

  test('a security event recorded from outside any tenant transaction (the system chain: it names no tenant)', async () => {
    const who = operator();
    await db.platform.logSecurityEvent(
      { type: 'access_blocked', severity: 'high', ip: who.ip, details: { reason: 'test' } },
      who,
    );
    expect(await recordsOf(who.requestId ?? '')).toEqual([
      expect.objectContaining({ tenant_id: '', action: 'security.access_blocked', ...attributedTo(who) }),
    ]);
  });
});

describe('lookups are recorded in the system chain, with who asked and what they found', () => {
  test('tenant.resolve by slug and by domain', async () => {
    const who = operator();
    expect(await db.platform.findTenantBySlug('acme', who)).toMatchObject({ id: acme });
    expect(await db.platform.findTenantByDomain('nobody.test', who)).toBeNull();
    expect(await recordsOf(who.requestId ?? '')).toEqual([
      expect.objectContaining({
        tenant_id: '',
        action: 'tenant.resolve',
        metadata: { slug: 'acme', tenant: acme },
        ...attributedTo(who),
      }),
      expect.objectContaining({ tenant_id: '', action: 'tenant.resolve', metadata: { domain: 'nobody.test' } }),
    ]);
  });

  test('tenant.list', async () => {
    const who = operator();
    expect((await OperatorDoor.use(testDb.ownerUrl, (door) => door.listTenants(who))).map((t) => t.slug)).toContain(
      'acme',
    );
    expect(await recordsOf(who.requestId ?? '')).toEqual([
      expect.objectContaining({ tenant_id: '', action: 'tenant.list', ...attributedTo(who) }),
    ]);
  });
});

test('the runtime role cannot reach a platform function without naming an actor', async () => {
  const app = new pg.Client({ connectionString: testDb.appUrl });
  await app.connect();
  try {
    const attempts = [
      // The unattributed functions of 0009 are gone.
      `select * from platform.create_tenant('Eve', 'eve')`,
      `select * from platform.set_tenant_active('${acme}', false)`,
      `select * from platform.list_tenants()`,
      // A null actor is refused, not recorded as nobody.
      `select * from platform.create_tenant(null, 'Eve', 'eve')`,
      `select * from platform.set_tenant_active(row(null, null, null, null)::platform.actor, '${acme}', false)`,
    ];
    for (const attempt of attempts) {
      await expect(app.query(attempt), attempt).rejects.toThrow(/does not exist|names no actor|permission denied/);
    }
  } finally {
    await app.end();
  }
  const { rows } = await testDb.ownerQuery(`select slug, is_active from tenants where slug in ('eve', 'acme')`);
  expect(rows).toEqual([{ slug: 'acme', is_active: true }]);
});

test('the runtime role can neither list every workspace nor switch one off: operator work, over the owner connection', async () => {
  const app = new pg.Client({ connectionString: testDb.appUrl });
  await app.connect();
  const who = "row('user', gen_random_uuid()::text, null, null)::platform.actor";
  try {
    for (const attempt of [
      `select slug from platform.list_tenants(${who})`,
      `select * from platform.set_tenant_active(${who}, '${acme}', false)`,
    ]) {
      await expect(app.query(attempt), attempt).rejects.toThrow(/permission denied for function/);
    }
  } finally {
    await app.end();
  }
  const { rows } = await testDb.ownerQuery(`select is_active from tenants where id = $1`, [acme]);
  expect(rows).toEqual([{ is_active: true }]);
  const listed = await OperatorDoor.use(testDb.ownerUrl, (door) => door.listTenants(operator()));
  expect(listed.map((t) => t.slug)).toContain('acme');
});
