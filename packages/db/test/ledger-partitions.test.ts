// The ledger partitioned by month (migration 0044): partitions made ahead
// roll the ledger over a month boundary with every chain and tree intact,
// the runtime role reaches no partition directly, two servers making them
// at once do not collide, and the doctor fails when next month's is missing.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureLedgerPartitions } from '../src/audit/partitions/ensure-ledger-partitions.ts';
import { listLedgerPartitions } from '../src/audit/partitions/list-ledger-partitions.ts';
import { checkLedgerPartitions } from '../src/checks/ledger-partitions.ts';
import { type Database, recordAuditEvent, systemActor, verifyAuditChain } from '../src/index.ts';
import { runnerFor } from '../src/sql-runner.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { actor } from './support/tenant-rows.ts';
import { expectTreesMatchEvents } from './support/trees-match-events.ts';

let testDb: TestDatabase;
let db: Database;
let tenantA: string;
let tenantB: string;
// A year no test run will reach, so the history partition (up to the month after migrating) never covers it.
const year = new Date().getUTCFullYear() + 5;
const lastMinute = new Date(Date.UTC(year, 11, 31, 23, 59));
const suffix = (y: number, m: number) => `${y}${String(m).padStart(2, '0')}`;

const owner = () => runnerFor({ query: (text, params) => testDb.ownerQuery(text, params) });

const treesMatchEvents = () => expectTreesMatchEvents((text) => testDb.ownerQuery(text));

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await testDb.openApp();
  tenantA = (await db.platform.createTenant({ name: 'Acme', slug: 'acme' }, systemActor('test'))).id;
  tenantB = (await db.platform.createTenant({ name: 'Globex', slug: 'globex' }, systemActor('test'))).id;
});
afterAll(() => testDb.drop());

describe('a month boundary, with the clock set by the test', () => {
  test('partitions made on the last minute of December take events on both sides, sealed and verified', async () => {
    const months = await ensureLedgerPartitions(owner(), { at: lastMinute, monthsAhead: 1 });
    expect(months.map((m) => [m.partition, m.created])).toEqual([
      [`audit_logs_p${suffix(year, 12)}`, true],
      [`audit_logs_p${suffix(year + 1, 1)}`, true],
      [`security_events_p${suffix(year, 12)}`, true],
      [`security_events_p${suffix(year + 1, 1)}`, true],
    ]);
    const sides = ['23:59:59.999999', '00:00:00'].map((time, i) =>
      i === 0 ? `${year}-12-31T${time}Z` : `${year + 1}-01-01T${time}Z`,
    );
    for (const [i, at] of sides.entries()) {
      for (const tenant of [tenantA, tenantB, '']) {
        await testDb.ownerQuery(
          `insert into audit_logs (tenant_id, actor_type, action, metadata, created_at)
           values ($1, 'system', 'test.boundary', jsonb_build_object('side', $2::int), $3)`,
          [tenant, i, at],
        );
      }
      await testDb.ownerQuery(
        `insert into security_events (tenant_id, event_type, details, created_at) values ($1, 'logout', '{}', $2)`,
        [tenantA, at],
      );
    }
    const placed = await testDb.ownerQuery<{ part: string; side: number }>(
      `select tableoid::regclass::text as part, (metadata->>'side')::int as side from audit_logs
       where action = 'test.boundary' group by 1, 2 order by 2`,
    );
    expect(placed.rows).toEqual([
      { part: `audit_logs_p${suffix(year, 12)}`, side: 0 },
      { part: `audit_logs_p${suffix(year + 1, 1)}`, side: 1 },
    ]);
    const security = await testDb.ownerQuery<{ part: string }>(
      `select tableoid::regclass::text as part from security_events where created_at >= $1 order by created_at`,
      [sides[0]],
    );
    expect(security.rows.map((r) => r.part)).toEqual([
      `security_events_p${suffix(year, 12)}`,
      `security_events_p${suffix(year + 1, 1)}`,
    ]);
    expect(await db.sealCommittedAuditEvents()).toBe(true);
    const verdict = await verifyAuditChain(testDb.ownerUrl);
    expect(verdict.chains.filter((c) => !c.intact)).toEqual([]);
    expect(verdict.intact).toBe(true);
    await treesMatchEvents();
    // The tenant reads its own events across the boundary through the parent, newest first.
    const seen = await db.withTenant(tenantA, actor(), (tx) =>
      tx.execute<{ side: number }>(
        sql`select (metadata->>'side')::int as side from audit_logs where action = 'test.boundary'
            order by created_at desc`,
      ),
    );
    expect(seen.rows.map((r) => r.side)).toEqual([1, 0]);
  });

  test('a write in a month with no partition fails its own transaction, and nothing else', async () => {
    await expect(
      testDb.ownerQuery(`insert into audit_logs (action, created_at) values ('test.orphan', $1)`, [
        `${year + 3}-06-01T00:00:00Z`,
      ]),
    ).rejects.toMatchObject({ code: '23514' });
  });

  test('the doctor fails for a month whose partition is missing, naming it and the fix, and passes once made', async () => {
    const at = new Date(Date.UTC(year + 2, 4, 20));
    const before = await checkLedgerPartitions(owner(), at);
    expect(before.filter((r) => !r.ok).map((r) => [r.check, r.target])).toEqual([
      ['ledger_partitions_ahead', 'public.audit_logs'],
      ['ledger_partitions_ahead', 'public.security_events'],
    ]);
    expect(before[0]?.detail).toContain(`${year + 2}-05 and ${year + 2}-06`);
    expect(before[0]?.fix).toContain('skillhub maintain');
    await ensureLedgerPartitions(owner(), { at, monthsAhead: 1 });
    expect((await checkLedgerPartitions(owner(), at)).filter((r) => !r.ok)).toEqual([]);
  });
});

test('the doctor warns of a retired month still set aside, naming it and the fix, and passes once it is gone', async () => {
  const ok = async () => (await checkLedgerPartitions(owner())).find((r) => r.check === 'retired_months_reclaimed');
  expect(await ok()).toMatchObject({ ok: true });
  // What a retention run that stopped between the door and the reclaim leaves behind.
  await testDb.ownerQuery('create table audit_retired.audit_logs_p200001 (like public.audit_logs)');
  try {
    expect(await ok()).toMatchObject({ ok: false, severity: 'warning' });
    expect((await ok())?.detail).toContain('audit_logs_p200001');
    expect((await ok())?.fix).toContain('skillhub retention run');
  } finally {
    await testDb.ownerQuery('drop table audit_retired.audit_logs_p200001');
  }
  expect(await ok()).toMatchObject({ ok: true });
});

describe('the runtime role reaches no partition directly', () => {
  let partitions: string[];
  beforeAll(async () => {
    partitions = (await listLedgerPartitions(owner())).map((p) => p.partition);
    expect(partitions).toContain('audit_logs_history');
    expect(partitions).toContain(`audit_logs_p${suffix(year, 12)}`);
  });

  test("reading or writing a partition by name in tenant A's context is refused", async () => {
    for (const partition of partitions) {
      await expect(
        db.withTenant(tenantA, actor(), (tx) => tx.execute(sql.raw(`select * from ${partition}`))),
        `select from ${partition}`,
      ).rejects.toMatchObject({ cause: { code: '42501' } });
    }
    const attempts = [
      `insert into audit_logs_p${suffix(year, 12)} (tenant_id, action, created_at)
       values ('${tenantB}', 'forged', '${year}-12-15T00:00:00Z')`,
      `insert into security_events_p${suffix(year, 12)} (tenant_id, event_type, created_at)
       values ('${tenantB}', 'logout', '${year}-12-15T00:00:00Z')`,
      `insert into audit_logs_history (tenant_id, action) values ('${tenantA}', 'forged')`,
    ];
    for (const attempt of attempts) {
      await expect(
        db.withTenant(tenantA, actor(), (tx) => tx.execute(sql.raw(attempt))),
        attempt,
      ).rejects.toMatchObject({ cause: { code: '42501' } });
    }
    const forged = await testDb.ownerQuery(`select from audit_logs where action = 'forged'`);
    expect(forged.rowCount).toBe(0);
  });

  test('a partition granted by mistake still shows tenant A only its own rows (forced RLS on the partition)', async () => {
    const partition = `audit_logs_p${suffix(year, 12)}`;
    await testDb.ownerQuery(`grant select on ${partition} to skillhub_app`);
    try {
      const seen = await db.withTenant(tenantA, actor(), (tx) =>
        tx.execute<{ tenant_id: string | null }>(sql.raw(`select tenant_id from ${partition}`)),
      );
      expect(seen.rows.length).toBeGreaterThan(0);
      expect(new Set(seen.rows.map((r) => r.tenant_id))).toEqual(new Set([tenantA]));
      const findings = await checkLedgerPartitions(owner());
      expect(findings.find((r) => r.check === 'ledger_partition_grants')).toMatchObject({
        ok: false,
        fix: expect.stringContaining(`revoke all on public.${partition} from skillhub_app;`),
      });
    } finally {
      await testDb.ownerQuery(`revoke all on ${partition} from skillhub_app`);
    }
  });

  test('partitions are append-only for the owner too: UPDATE, DELETE and TRUNCATE rejected', async () => {
    // Each holds rows (a row trigger fires only for a row it meets); TRUNCATE is refused even when empty.
    for (const partition of [
      `audit_logs_p${suffix(year, 12)}`,
      `security_events_p${suffix(year, 12)}`,
      'audit_logs_history',
    ]) {
      for (const statement of [
        `update ${partition} set created_at = created_at`,
        `delete from ${partition}`,
        `truncate ${partition}`,
      ]) {
        await expect(testDb.ownerQuery(statement), statement).rejects.toThrow(/append-only/);
      }
    }
  });

  test('the runtime role may make partitions for now only, and no more than 24 months ahead', async () => {
    const app = new pg.Client(testDb.appUrl);
    await app.connect();
    try {
      expect(await ensureLedgerPartitions(runnerFor(app))).toHaveLength(8);
      // Made by the runtime role itself, and still closed to it.
      const made = (await ensureLedgerPartitions(runnerFor(app), { monthsAhead: 6 })).filter((m) => m.created);
      expect(made.length).toBeGreaterThan(0);
      for (const m of made) {
        await expect(app.query(`select * from ${m.partition}`), m.partition).rejects.toMatchObject({ code: '42501' });
      }
      await expect(
        ensureLedgerPartitions(runnerFor(app), { at: new Date(Date.UTC(year + 40, 0, 1)) }),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(ensureLedgerPartitions(runnerFor(app), { monthsAhead: 25 })).rejects.toMatchObject({
        code: '22023',
      });
    } finally {
      await app.end();
    }
    await expect(ensureLedgerPartitions(owner(), { monthsAhead: -1 })).rejects.toMatchObject({ code: '22023' });
  });
});

test('two servers making the same partitions at once both succeed, and each partition is made once', async () => {
  const connect = async (url: string) => {
    const client = new pg.Client(url);
    await client.connect();
    return client;
  };
  const clients = await Promise.all([testDb.ownerUrl, testDb.ownerUrl, testDb.appUrl, testDb.appUrl].map(connect));
  try {
    // The owner may set the clock: two owner connections race on the same new months.
    const at = new Date(Date.UTC(year + 7, 2, 10));
    const raced = await Promise.all(
      clients.slice(0, 2).map((c) => ensureLedgerPartitions(runnerFor(c), { at, monthsAhead: 2 })),
    );
    const made = raced
      .flat()
      .filter((m) => m.created)
      .map((m) => m.partition);
    expect(made.sort()).toEqual(
      [3, 4, 5]
        .flatMap((m) => [`audit_logs_p${suffix(year + 7, m)}`, `security_events_p${suffix(year + 7, m)}`])
        .sort(),
    );
    // Two runtime-role servers starting at once, for the present.
    const started = await Promise.all(clients.slice(2).map((c) => ensureLedgerPartitions(runnerFor(c))));
    expect(started.map((r) => r.length)).toEqual([8, 8]);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});

test('the server keeps recording through the parent: a recorded event lands in this month’s partition', async () => {
  const id = await db.withTenant(tenantA, actor(), async (tx) => {
    await recordAuditEvent({ action: 'skill.updated', resourceType: 'skill', resourceId: 's-1' });
    return (
      await tx.execute<{ part: string }>(sql`select tableoid::regclass::text as part from audit_logs
      where action = 'skill.updated' order by created_at desc limit 1`)
    ).rows[0]?.part;
  });
  const month = new Date();
  const covering = (await listLedgerPartitions(owner())).find(
    (p) => p.table === 'audit_logs' && (p.from === null || p.from <= month) && p.to > month,
  );
  expect(id).toBe(covering?.partition);
});
