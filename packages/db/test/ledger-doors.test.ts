// Regressions for issue 11, findings 3 and 12: the runtime role wrote any
// ledger row it liked in its own tenant (another actor, a back-dated time, a
// forged change record, txid 1), and platform.log_security_event took a
// tenant id from its caller, so any connection could write into any
// tenant's chain. Each test tries the attack as the runtime role.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  type Database,
  placeLegalHold,
  recordAuditEvent,
  runDoctor,
  sql,
  systemActor,
  type TenantTx,
  verifyAuditChain,
} from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor, seedTenantRows, type TenantRows } from './support/tenant-rows.ts';

const userA = '11111111-1111-4111-8111-111111111111';
const otherUser = '22222222-2222-4222-8222-222222222222';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
let rowsA: TenantRows;
let rowsB: TenantRows;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
  rowsA = await seedTenantRows(db, tenantA);
  rowsB = await seedTenantRows(db, tenantB);
});
afterAll(() => testDb.drop());

const asUserOfA = { ...actor(userA), actorId: userA, requestId: 'req-ledger', ip: '198.51.100.7' };

const sqlState = (error: unknown): string | undefined => {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
};

/** Runs fn inside withTenant(A) as user 1111…; resolves to the SQLSTATE it failed with, or null. */
const failureInA = (fn: (tx: TenantTx) => Promise<unknown>) =>
  db.withTenant(tenantA, asUserOfA, fn).then(
    () => null,
    (error: unknown) => sqlState(error) ?? String(error),
  );

/** B's ledger and security events, counted as the owner. */
const countsOfB = async () =>
  (
    await testDb.ownerQuery<{ audit: number; security: number }>(
      `select (select count(*)::int from audit_logs where tenant_id = $1) as audit,
              (select count(*)::int from security_events where tenant_id = $1) as security`,
      [tenantB],
    )
  ).rows[0];

describe('the runtime role has no direct INSERT on the ledger', () => {
  test('the forged row of finding 12 is refused: another actor, back-dated, a fake DELETE, txid 1', async () => {
    const code = await failureInA((tx) =>
      tx.execute(sql`insert into audit_logs (tenant_id, actor_type, actor_id, action, created_at, txid, operation,
                       table_name, new_record)
                     values (${tenantA}, 'user', ${otherUser}, 'skill.deleted', now() - interval '30 days', '1'::xid8,
                       'DELETE', 'skills', '{"forged": true}')`),
    );
    expect(code).toBe('42501');
    const forged = await testDb.ownerQuery(`select 1 from audit_logs where new_record = '{"forged": true}'`);
    expect(forged.rows).toEqual([]);
  });

  test('even a plain event for its own tenant cannot be inserted directly', async () => {
    expect(
      await failureInA((tx) => tx.execute(sql`insert into audit_logs (tenant_id, action) values (${tenantA}, 'x')`)),
    ).toBe('42501');
  });

  test('security_events and the seals take no INSERT either', async () => {
    expect(
      await failureInA((tx) =>
        tx.execute(sql`insert into security_events (tenant_id, event_type) values (${tenantA}, 'login_success')`),
      ),
    ).toBe('42501');
    expect(
      await failureInA((tx) =>
        tx.execute(sql`insert into audit.seals (chain, position, event_id, txid, seq, event_hash, chain_hash)
                       values (${tenantA}, 1, gen_random_uuid(), '1', 1, '\\x00', '\\x00')`),
      ),
    ).toBe('42501');
  });
});

describe('application events: only the event itself comes from the caller', () => {
  test('audit.record_event fills tenant, actor, request id, IP, time and txid from the verified context', async () => {
    await db.withTenant(tenantA, asUserOfA, async (tx) => {
      // What injected SQL would try first: switch the plain settings, then record.
      await tx.execute(sql`select set_config('app.current_tenant_id', ${tenantB}, true),
                                  set_config('app.actor_id', ${otherUser}, true), set_config('app.ip', '10.0.0.1', true)`);
      await tx.execute(sql`select audit.record_event('skill.deleted', 'skill', 'x', '{"by": "injection"}')`);
      await recordAuditEvent({ action: 'skill.merged', resourceType: 'skill', resourceId: 'y' });
    });
    const { rows } = await testDb.ownerQuery(
      `select tenant_id, actor_type, actor_id, request_id, host(ip_address) as ip, action,
              txid = (select max(txid) from audit_logs) as latest, created_at > now() - interval '1 minute' as recent
       from audit_logs where action in ('skill.deleted', 'skill.merged') and request_id = 'req-ledger' order by seq`,
    );
    // The acting user's address is sealed in the event's envelope (migration 0046): read it opened, in A.
    const expected = {
      tenant_id: tenantA,
      actor_type: 'user',
      actor_id: userA,
      request_id: 'req-ledger',
      ip: null,
    };
    expect(rows).toEqual([
      { ...expected, action: 'skill.deleted', latest: true, recent: true },
      { ...expected, action: 'skill.merged', latest: true, recent: true },
    ]);
    const opened = await db.withTenant(tenantA, asUserOfA, (tx) =>
      tx.execute<{ r: { path: string[]; value: string }[] }>(
        sql`select audit.reveal_personal(personal) as r from audit_logs
            where action in ('skill.deleted', 'skill.merged') and request_id = 'req-ledger' order by seq`,
      ),
    );
    expect(opened.rows.map((row) => row.r)).toEqual([
      [{ path: ['ip_address'], value: '198.51.100.7/32' }],
      [{ path: ['ip_address'], value: '198.51.100.7/32' }],
    ]);
  });

  test('change records name the verified actor, whatever the settings say', async () => {
    await db.withTenant(tenantA, { ...asUserOfA, requestId: 'req-capture' }, async (tx) => {
      await tx.execute(
        sql`select set_config('app.actor_id', ${otherUser}, true), set_config('app.request_id', 'forged', true)`,
      );
      await tx.execute(sql`update skills set name = 'Renamed' where id = ${rowsA.skills}`);
    });
    const { rows } = await testDb.ownerQuery(
      `select tenant_id, actor_id, request_id from audit_logs where table_name = 'skills' and resource_id = $1
       and operation = 'UPDATE'`,
      [rowsA.skills],
    );
    expect(rows).toEqual([{ tenant_id: tenantA, actor_id: userA, request_id: 'req-capture' }]);
  });

  test('outside a tenant transaction, record_event writes nothing', async () => {
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      await expect(client.query(`select audit.record_event('orphan')`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});

describe("no door writes into another tenant's chain on the caller's say-so", () => {
  test("record_tenant_event (0078) named with B's id from inside A writes nothing into B, nor with none", async () => {
    const before = await countsOfB();
    const marked = sql`'{"tenant_named": "B"}'::jsonb`;
    expect(
      await failureInA((tx) =>
        tx.execute(sql`select audit.record_tenant_event(${tenantB}, 'skill.deleted', 'skill', 'x', ${marked})`),
      ),
    ).toBe('42501');
    expect(
      await failureInA((tx) =>
        tx.execute(sql`select audit.record_tenant_event(null, 'skill.deleted', 'skill', 'x', ${marked})`),
      ),
    ).toBe('42501');
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      await expect(
        client.query(`select audit.record_tenant_event($1, 'orphan', null, null, '{}')`, [tenantB]),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
    expect(await countsOfB()).toEqual(before);
    const named = await testDb.ownerQuery(`select 1 from audit_logs where metadata ->> 'tenant_named' = 'B'`);
    expect(named.rows).toEqual([]);
  });

  test("the session-end doors (0082) named with B and B's session from inside A end nothing and log nothing in B", async () => {
    const asB = { ...actor('owner-of-b'), requestId: 'req-session-b' };
    const session = await db.withTenant(tenantB, asB, async (tx) => {
      const { rows } = await tx.execute<{ id: string }>(
        sql`select id from create_tenant_session(${tenantB}, ${rowsB.users}::uuid, '198.51.100.9'::inet,
              '{"fingerprint": "b-device"}'::jsonb, ${'b'.repeat(64)}, interval '30 minutes', interval '12 hours', false)`,
      );
      return rows[0]?.id ?? '';
    });
    const before = await countsOfB();
    const answers = await db.withTenant(tenantA, asUserOfA, async (tx) => [
      (
        await tx.execute<{ ok: boolean }>(
          sql`select terminate_tenant_session(${tenantB}, ${session}::uuid, 'probe') as ok`,
        )
      ).rows[0]?.ok,
      (
        await tx.execute<{ ok: boolean }>(
          sql`select update_tenant_session_activity(${tenantB}, ${session}::uuid, '203.0.113.66'::inet) as ok`,
        )
      ).rows[0]?.ok,
    ]);
    expect(answers).toEqual([false, false]);
    const { rows } = await testDb.ownerQuery<{ terminated_at: Date | null; last_ip: string }>(
      'select terminated_at, host(last_ip) as last_ip from user_sessions where tenant_id = $1 and id = $2',
      [tenantB, session],
    );
    expect(rows).toEqual([{ terminated_at: null, last_ip: '198.51.100.9' }]);
    expect(await countsOfB()).toEqual(before);
  });

  test("log_tenant_security_event (0081) named with B's id from inside A writes nothing into B, nor from no context", async () => {
    const before = await countsOfB();
    expect(
      await failureInA((tx) =>
        tx.execute(sql`select platform.log_tenant_security_event(${tenantB}, 'login_success', 'info', null,
                         'eve@example.com', null, null, '{"tenant_named": "B"}')`),
      ),
    ).toBe('42501');
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      await expect(
        client.query(
          `select platform.log_tenant_security_event($1, 'login_success', 'info', null, null, null, null, '{}')`,
          [tenantB],
        ),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
    expect(await countsOfB()).toEqual(before);
  });

  test("the repeated-failure and legal-hold doors (0084) named with B's id from inside A write nothing anywhere", async () => {
    const holdOfB = await db.withTenant(tenantB, { ...actor('owner-of-b'), requestId: 'req-hold-b' }, () =>
      placeLegalHold(null, 'litigation in B'),
    );
    const holdsOf = async (tenant: string) =>
      (
        await testDb.ownerQuery<{ id: string; released: boolean }>(
          'select id, released_at is not null as released from audit.legal_holds where chain = $1 order by id',
          [tenant],
        )
      ).rows;
    const before = { b: await countsOfB(), holdsOfA: await holdsOf(tenantA), holdsOfB: await holdsOf(tenantB) };
    const tallies = async () =>
      (await testDb.ownerQuery(`select count(*)::int as n from security_event_tallies where subject = 'probe-0084'`))
        .rows[0];
    const talliesBefore = await tallies();
    const refusals = [
      await failureInA((tx) =>
        tx.execute(sql`select public.log_repeated_tenant_security_event(${tenantB}, 'permission_denied', 'info',
                         'probe-0084', 'skills', '{"tenant_named": "B"}')`),
      ),
      await failureInA((tx) => tx.execute(sql`select audit.place_tenant_legal_hold(${tenantB}, null, 'probe')`)),
      await failureInA((tx) =>
        tx.execute(sql`select audit.release_tenant_legal_hold(${tenantB}, ${holdOfB.id}::uuid, 'probe')`),
      ),
    ];
    expect(refusals).toEqual(['42501', '42501', '42501']);
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      await expect(
        client.query(
          `select public.log_repeated_tenant_security_event($1, 'permission_denied', 'info', 'probe-0084', 'x')`,
          [tenantB],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(
        client.query(`select audit.place_tenant_legal_hold($1, null, 'probe')`, [tenantB]),
      ).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await client.end();
    }
    expect({ b: await countsOfB(), holdsOfA: await holdsOf(tenantA), holdsOfB: await holdsOf(tenantB) }).toEqual(
      before,
    );
    expect(before.holdsOfB).toEqual([{ id: holdOfB.id, released: false }]);
    expect(await tallies()).toEqual(talliesBefore);
  });

  test("create_tenant_session (0079) named with B and B's user from inside A opens no session and logs nothing in B", async () => {
    const before = await countsOfB();
    const sessionsOfB = async () =>
      (await testDb.ownerQuery('select count(*)::int as n from user_sessions where tenant_id = $1', [tenantB])).rows[0];
    const sessionsBefore = await sessionsOfB();
    const code = await failureInA((tx) =>
      tx.execute(sql`select id from create_tenant_session(${tenantB}, ${rowsB.users}::uuid, '198.51.100.9'::inet,
                       '{"fingerprint": "probe"}'::jsonb, ${'f'.repeat(64)}, interval '30 minutes', interval '12 hours',
                       false)`),
    );
    expect(code).toBe('P0002');
    expect(await sessionsOfB()).toEqual(sessionsBefore);
    expect(await countsOfB()).toEqual(before);
  });

  test("log_security_event(..., B's id) from a connection with no tenant context writes nothing into B (finding 3)", async () => {
    const before = await countsOfB();
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      const attempt = client.query(
        `select platform.log_security_event('login_success'::security_event_type, 'info', null, 'eve@example.com',
                                            null, null, '{}', $1)`,
        [tenantB],
      );
      await expect(attempt).rejects.toBeDefined();
      // Nor with the tenant left to the context, when there is none.
      await expect(client.query(`select platform.log_security_event('login_success')`)).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await client.end();
    }
    expect(await countsOfB()).toEqual(before);
  });

  test("from inside A, neither the public doors nor the internal writers put anything in B's chain", async () => {
    const before = await countsOfB();
    const attempts: ((tx: TenantTx) => Promise<unknown>)[] = [
      (tx) =>
        tx.execute(sql`select platform.log_security_event('login_success'::security_event_type, 'info', null, null,
                         null, null, '{}', ${tenantB})`),
      (tx) =>
        tx.execute(sql`select platform.write_security_event(${tenantB}, 'login_success', 'info', null, null, null,
                         null, '{}')`),
      (tx) => tx.execute(sql`select platform.audit(${tenantB}, 'tenant.create', ${tenantB}, '{}')`),
      (tx) => tx.execute(sql`select platform.owner_of('skills', ${rowsB.skills}::uuid)`),
    ];
    for (const attempt of attempts) expect(await failureInA(attempt)).not.toBeNull();
    // The switched setting does not redirect the doors that take the tenant from the context.
    await db.withTenant(tenantA, asUserOfA, async (tx) => {
      await tx.execute(sql`select set_config('app.current_tenant_id', ${tenantB}, true)`);
      await tx.execute(sql`select platform.log_security_event('logout')`);
    });
    expect(await countsOfB()).toEqual(before);
  });

  test("a probe of B's row from A is recorded in B, naming A and the actor from the verified context", async () => {
    const before = await countsOfB();
    await db.withTenant(tenantA, asUserOfA, async (tx) => {
      // The caller's details cannot rename the prober.
      const details = { path: '/skills/x', fromTenant: 'someone-else', actorId: otherUser };
      await tx.execute(
        sql`select platform.record_foreign_probe('skills', ${rowsB.skills}::uuid, ${JSON.stringify(details)}::jsonb)`,
      );
      // Its own row and a row nobody owns record nothing.
      await tx.execute(sql`select platform.record_foreign_probe('skills', ${rowsA.skills}::uuid)`);
      await tx.execute(sql`select platform.record_foreign_probe('skills', gen_random_uuid())`);
    });
    const { rows } = await testDb.ownerQuery(
      `select tenant_id, event_type::text, severity::text, host(ip_address) as ip, details from security_events
       where tenant_id = $1 and event_type = 'access_blocked'`,
      [tenantB],
    );
    expect(rows).toEqual([
      {
        tenant_id: tenantB,
        event_type: 'access_blocked',
        severity: 'high',
        ip: '198.51.100.7',
        details: {
          reason: 'cross_tenant_resource',
          resource: 'skills',
          resourceId: rowsB.skills,
          fromTenant: tenantA,
          actorType: 'user',
          actorId: userA,
          path: '/skills/x',
          // The first of its window (0021's tallies): written, not only counted.
          repeat: expect.objectContaining({ occurrence: 1, counted: false }),
        },
      },
    ]);
    expect(await countsOfB()).toEqual({ audit: (before?.audit ?? 0) + 1, security: (before?.security ?? 0) + 1 });
  });

  test("a credential of A on B's host is recorded in B, found by slug; the probe doors need a context", async () => {
    // Another credential of A than the probe's above: attempts of one credential on one tenant share a tally.
    const keyOfA = { ...asUserOfA, actorType: 'api_key' as const, role: null };
    await db.withTenant(tenantA, keyOfA, (tx) =>
      tx.execute(sql`select platform.record_host_mismatch('globex', '{"sessionId": "s"}')`),
    );
    const { rows } = await testDb.ownerQuery(
      `select details from security_events where tenant_id = $1 and details ->> 'reason' = 'credential_of_another_tenant'`,
      [tenantB],
    );
    expect(rows.map((r) => r.details)).toEqual([
      {
        reason: 'credential_of_another_tenant',
        credentialTenant: 'acme',
        targetTenant: 'globex',
        actorType: 'api_key',
        actorId: userA,
        sessionId: 's',
        repeat: expect.objectContaining({ occurrence: 1, counted: false }),
      },
    ]);
    const client = new pg.Client({ connectionString: testDb.appUrl });
    await client.connect();
    try {
      for (const door of [
        `select platform.record_host_mismatch('globex')`,
        `select platform.record_foreign_probe('skills', '${rowsB.skills}')`,
      ]) {
        await expect(client.query(door)).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await client.end();
    }
  });

  test('an event outside any tenant goes to the system chain, whatever the context', async () => {
    await db.platform.logSecurityEvent(
      { type: 'login_failed', email: 'Nobody@Example.com', details: { reason: 'x' } },
      systemActor('test'),
    );
    await db.withTenant(tenantA, asUserOfA, (tx) =>
      tx.execute(sql`select platform.log_system_security_event('login_failed', 'low', 'a@b.c')`),
    );
    const { rows } = await testDb.ownerQuery(
      `select tenant_id, email from security_events where event_type = 'login_failed' order by created_at`,
    );
    expect(rows).toEqual([
      { tenant_id: '', email: 'nobody@example.com' },
      { tenant_id: '', email: 'a@b.c' },
    ]);
  });
});

describe('sealing refuses events of tenants that do not exist', () => {
  test('skips and records them, keeps every chain intact, and the doctor reports them', async () => {
    // Only the owner (or a superuser) can still write such a row.
    await testDb.ownerQuery(
      `insert into audit_logs (tenant_id, action) values ('no-such-tenant', 'forged.orphan'), ('no-such-tenant', 'forged.orphan')`,
    );
    await db.withTenant(tenantA, asUserOfA, () => recordAuditEvent({ action: 'settings.updated' }));
    expect(await db.sealCommittedAuditEvents(10_000)).toBe(true);
    const { rows } = await testDb.ownerQuery<{ sealed: boolean; refused: boolean }>(
      `select exists (select from audit.seals s where s.event_id = l.id) as sealed,
              exists (select from audit.refused_events r where r.event_id = l.id) as refused
       from audit_logs l where l.action = 'forged.orphan'`,
    );
    expect(rows).toEqual([
      { sealed: false, refused: true },
      { sealed: false, refused: true },
    ]);
    // Sealing moved on: the event written after them is sealed, and a second run refuses nothing twice.
    const after = await testDb.ownerQuery(
      `select count(*)::int as n from audit_logs l where l.action = 'settings.updated'
       and not exists (select from audit.seals s where s.event_id = l.id)`,
    );
    expect(after.rows[0]?.n).toBe(0);
    await db.sealAuditEvents();
    expect((await testDb.ownerQuery('select count(*)::int as n from audit.refused_events')).rows[0]?.n).toBe(2);

    const verdicts = await verifyAuditChain(testDb.ownerUrl);
    for (const chain of verdicts.chains.filter((c) => c.chain !== 'no-such-tenant')) {
      expect(chain, chain.chain || 'system').toMatchObject({ intact: true });
    }
    const findings = await runDoctor({
      ownerUrl: testDb.ownerUrl,
      runtimeRole: inject('skillhubTestCluster').appRole.name,
    });
    expect(findings.filter((f) => !f.ok && f.check === 'sealing_refused')).toMatchObject([
      { severity: 'error', detail: expect.stringContaining('2 audit events name a tenant that does not exist') },
    ]);
  });
});
